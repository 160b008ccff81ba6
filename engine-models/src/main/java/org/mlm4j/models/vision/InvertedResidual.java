package org.mlm4j.models.vision;

import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.OpsKernels;

/**
 * torchvision's MobileNetV3 {@code InvertedResidual} with expand ratio 1 as LDP configures it
 * (oracle/PYTORCH-PRESET.md step 6): depthwise 3×3 (stride 1 or 2, no bias) → LayerNorm over
 * channels → hardswish → squeeze-excite (channel mean, fc1, ReLU, fc2, hardsigmoid, scale) →
 * pointwise 1×1 (no bias) → LayerNorm over channels. The residual is the caller's.
 * Input and output are token-major {@code [y·side + x][E]}.
 */
final class InvertedResidual {
    private final float[] depthwise;
    private final LayerNorm depthwiseNorm;
    private final Linear squeeze;
    private final Linear excite;
    private final Linear pointwise;
    private final LayerNorm pointwiseNorm;
    private final int stride;
    private final VisionNumerics numerics;

    InvertedResidual(MmprojTensors t, String p, int channels, int stride, float eps, VisionNumerics numerics) {
        this.depthwise = t.depthwiseKernel(p + "0.0.weight", channels);
        this.depthwiseNorm = t.layerNorm(p + "0.1", channels, eps);
        int squeezed = t.dim(p + "1.fc1.weight", 1);
        this.squeeze = t.linear(p + "1.fc1", channels, squeezed, true);
        this.excite = t.linear(p + "1.fc2", squeezed, channels, true);
        this.pointwise = t.linear(p + "2.0", channels, channels, false);
        this.pointwiseNorm = t.layerNorm(p + "2.1", channels, eps);
        this.stride = stride;
        this.numerics = numerics;
    }

    /** {@code [side²][E]} → {@code [(side/stride)²][E]}. */
    float[] forward(float[] tokens, int side) {
        OpsKernels ops = KernelProvider.get().ops();
        int channels = depthwiseNorm.weight().length;
        int outSide = (side - 1) / stride + 1;
        int pixels = outSide * outSide;
        float[] map = FeatureMaps.toChannelMajor(tokens, side * side, channels);
        float[] conv = new float[channels * pixels];
        ops.depthwiseConv3x3(map, 0, channels, side, side, stride, depthwise, null, numerics.f16Im2col(), conv, 0);
        float[] u = FeatureMaps.toTokenMajor(conv, pixels, channels);
        depthwiseNorm.apply(u, u, pixels);
        ops.hardswish(u, 0, u, 0, u.length);

        float[] mean = new float[channels];
        for (int p = 0; p < pixels; p++) {
            ops.add(mean, 0, u, p * channels, mean, 0, channels);
        }
        ops.scale(mean, 0, mean, 0, channels, 1f / pixels);
        float[] hiddenGate = new float[squeeze.out()];
        squeeze.apply(mean, 1, hiddenGate, numerics.matmul());
        ops.relu(hiddenGate, 0, hiddenGate, 0, hiddenGate.length);
        float[] gate = new float[channels];
        excite.apply(hiddenGate, 1, gate, numerics.matmul());
        ops.hardsigmoid(gate, 0, gate, 0, channels);
        for (int p = 0; p < pixels; p++) {
            ops.mul(u, p * channels, gate, 0, u, p * channels, channels);
        }

        float[] out = new float[pixels * channels];
        pointwise.apply(u, pixels, out, numerics.matmul());
        pointwiseNorm.apply(out, out, pixels);
        return out;
    }
}
