package org.mlm4j.models.vision;

/** LLaVA's {@code mlp2x_gelu}: {@code fc2(GELU(fc1 x))} on every token; also the first stage of LDP and LDPv2. */
final class MlpProjector implements Projector {
    private final Linear fc1;
    private final Linear fc2;
    private final Activation gelu;
    private final VisionNumerics numerics;

    MlpProjector(MmprojTensors t, String fc1, String fc2, int hidden, VisionNumerics numerics) {
        int inner = t.dim(fc2 + ".weight", 0);
        this.fc1 = t.linear(fc1, hidden, inner, false);
        this.fc2 = t.linear(fc2, inner, t.dim(fc2 + ".weight", 1), false);
        this.gelu = numerics.projectorGelu();
        this.numerics = numerics;
    }

    /** LLaVA-1.5's {@code mm.0} and {@code mm.2}. */
    static MlpProjector llava(MmprojTensors t, int hidden, VisionNumerics numerics) {
        if (t.has("mm.3.weight")) {
            throw new IllegalArgumentException("mmproj: the Yi-VL 'mlp_norm' projector (tensor mm.3.weight) is not supported");
        }
        return new MlpProjector(t, "mm.0", "mm.2", hidden, numerics);
    }

    @Override
    public int outputTokens(int patches) {
        return patches;
    }

    @Override
    public int embeddingLength() {
        return fc2.out();
    }

    @Override
    public float[] project(float[] features, int patches) {
        float[] inner = new float[patches * fc1.out()];
        fc1.apply(features, patches, inner, numerics.matmul());
        gelu.apply(inner, inner.length);
        float[] out = new float[patches * fc2.out()];
        fc2.apply(inner, patches, out, numerics.matmul());
        return out;
    }
}
