package org.mlm4j.kernels;

import org.mlm4j.tensor.Tensor;

/** Scalar matmul: the definition every SIMD matmul is tested against. */
final class ScalarMatmulKernels implements MatmulKernels {
    @Override
    public void matmul(Tensor w, float[] x, int xOffset, float[] y, int yOffset, int batch, Numerics numerics) {
        throw new UnsupportedOperationException("scalar matmul: being written");
    }
}
