package org.mlm4j.models.vision;

import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.OpsKernels;

/**
 * MobileVLM V2's {@code LDPNetV2Projector}: the MLP ({@code mlp.0}, GELU, {@code mlp.2}) on the
 * 24×24 patch grid, a 2×2 average pool to 12×12 (PyTorch's {@code AdaptiveAvgPool2d(12)} is exactly
 * that for 24×24), then the positional-encoding generator: a depthwise 3×3 convolution with bias
 * added to its own input. 576 patches → 144 tokens.
 */
final class LdpV2Projector implements Projector {
    static final int GRID = 24;

    private final MlpProjector mlp;
    private final float[] pegKernel;
    private final float[] pegBias;
    private final boolean f16Im2col;

    LdpV2Projector(MmprojTensors t, int hidden, VisionNumerics numerics) {
        this.mlp = new MlpProjector(t, "mm.model.mlp.0", "mm.model.mlp.2", hidden, numerics);
        int e = mlp.embeddingLength();
        this.pegKernel = t.depthwiseKernel("mm.model.peg.0.weight", e);
        this.pegBias = t.floats("mm.model.peg.0.bias", e);
        this.f16Im2col = numerics.f16Im2col();
    }

    @Override
    public int outputTokens(int patches) {
        return patches / 4;
    }

    @Override
    public int embeddingLength() {
        return mlp.embeddingLength();
    }

    @Override
    public float[] project(float[] features, int patches) {
        OpsKernels ops = KernelProvider.get().ops();
        int side = FeatureMaps.side(patches, GRID, "the LDPv2 projector");
        int e = embeddingLength();
        int half = side / 2;
        float[] grid = FeatureMaps.toChannelMajor(mlp.project(features, patches), patches, e);
        float[] pooled = new float[e * half * half];
        ops.avgPool2x2(grid, 0, e, side, side, pooled, 0);
        float[] peg = new float[pooled.length];
        ops.depthwiseConv3x3(pooled, 0, e, half, half, 1, pegKernel, pegBias, f16Im2col, peg, 0);
        ops.add(peg, 0, pooled, 0, peg, 0, peg.length);
        return FeatureMaps.toTokenMajor(peg, half * half, e);
    }
}
