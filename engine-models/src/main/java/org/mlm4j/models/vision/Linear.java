package org.mlm4j.models.vision;

import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.MatmulKernels;
import org.mlm4j.tensor.Tensor;

/** {@code y = W x + b} over a batch of rows; W ggml {@code [in, out]} read in place, b optional. */
record Linear(Tensor weight, float[] bias) {

    int in() {
        return weight.cols();
    }

    int out() {
        return Math.toIntExact(weight.rows());
    }

    /** {@code rows} rows of {@link #in()} floats from {@code x} → {@code rows} rows of {@link #out()} floats into {@code y}. */
    void apply(float[] x, int rows, float[] y, MatmulKernels.Numerics numerics) {
        KernelProvider k = KernelProvider.get();
        k.matmul().matmul(weight, x, 0, y, 0, rows, numerics);
        if (bias != null) {
            k.ops().addRows(y, 0, out(), rows, bias, 0);
        }
    }
}
