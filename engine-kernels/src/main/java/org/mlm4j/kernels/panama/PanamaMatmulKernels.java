package org.mlm4j.kernels.panama;

import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.MatmulKernels;
import org.mlm4j.tensor.Tensor;

/** Vector API matmul kernels. Until the SIMD kernels land, the scalar kernels compute. */
final class PanamaMatmulKernels implements MatmulKernels {
    private final MatmulKernels scalar = KernelProvider.scalar().matmul();

    @Override
    public void matmul(Tensor w, float[] x, int xOffset, float[] y, int yOffset, int batch, Numerics numerics) {
        scalar.matmul(w, x, xOffset, y, yOffset, batch, numerics);
    }
}
