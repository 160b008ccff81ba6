package org.mlm4j.models.vision;

import org.mlm4j.kernels.KernelProvider;

/** LayerNorm with weight and bias over rows of {@code weight.length} floats. */
record LayerNorm(float[] weight, float[] bias, float eps) {

    void apply(float[] x, float[] y, int rows) {
        KernelProvider.get().ops().layerNorm(x, 0, y, 0, weight.length, rows, weight, bias, eps);
    }
}
