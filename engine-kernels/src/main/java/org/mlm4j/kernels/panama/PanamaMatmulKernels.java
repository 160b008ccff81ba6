package org.mlm4j.kernels.panama;

import org.mlm4j.kernels.MatmulKernels;
import org.mlm4j.tensor.Tensor;

/** Vector API matmul kernels. */
final class PanamaMatmulKernels implements MatmulKernels {
    @Override
    public void matmul(Tensor w, float[] x, int xOffset, float[] y, int yOffset, int batch, Numerics numerics) {
        throw new UnsupportedOperationException("panama matmul: being written");
    }
}
