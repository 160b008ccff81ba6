package org.mlm4j.kernels.panama;

import org.mlm4j.kernels.OpsKernels;

/** Vector API ops kernels. */
final class PanamaOpsKernels implements OpsKernels {
}
