package org.mlm4j.kernels;

/** Scalar ops: the definition every SIMD op is tested against. */
final class ScalarOpsKernels implements OpsKernels {
}
