package org.mlm4j.kernels.panama;

import org.mlm4j.kernels.ScalarOpsKernels;

/** Vector API ops kernels; the ops not overridden here are the scalar ones. */
final class PanamaOpsKernels extends ScalarOpsKernels {
}
