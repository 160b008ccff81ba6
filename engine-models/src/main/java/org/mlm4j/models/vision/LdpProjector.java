package org.mlm4j.models.vision;

import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.OpsKernels;

/**
 * MobileVLM's {@code LDPNetProjector}: the MLP ({@code mlp.1}, GELU, {@code mlp.3}) on the 24×24
 * patch grid, then two torchvision MobileNetV3 inverted-residual blocks: stride 1 with the residual
 * connection, then stride 2 (24×24 → 12×12) without. 576 patches → 144 tokens.
 */
final class LdpProjector implements Projector {
    private final MlpProjector mlp;
    private final InvertedResidual keep;
    private final InvertedResidual downsample;

    LdpProjector(MmprojTensors t, int hidden, VisionNumerics numerics, float fileEps) {
        this.mlp = new MlpProjector(t, "mm.model.mlp.1", "mm.model.mlp.3", hidden, numerics);
        float eps = Float.isNaN(numerics.ldpEps()) ? fileEps : numerics.ldpEps();
        int e = mlp.embeddingLength();
        this.keep = new InvertedResidual(t, "mm.model.mb_block.1.block.", e, 1, eps, numerics);
        this.downsample = new InvertedResidual(t, "mm.model.mb_block.2.block.", e, 2, eps, numerics);
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
        int side = FeatureMaps.side(patches, LdpV2Projector.GRID, "the LDP projector");
        float[] t = mlp.project(features, patches);
        float[] u = keep.forward(t, side);
        ops.add(t, 0, u, 0, t, 0, t.length);
        return downsample.forward(t, side);
    }
}
