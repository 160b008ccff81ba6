package org.mlm4j.models.vision;

import org.mlm4j.gguf.GgufFile;
import org.mlm4j.kernels.Attention;
import org.mlm4j.kernels.AttentionSpec;
import org.mlm4j.models.vision.image.VisionPreset;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An mmproj GGUF file (llama.cpp's {@code clip.*} metadata, {@code v.*} and {@code mm.*} tensors)
 * loaded for one {@link VisionPreset}: the CLIP ViT and its projector. Weights stay memory-mapped
 * until {@link #close()}. {@link #encode} is safe to call from one thread at a time.
 */
public final class ClipVisionModel implements AutoCloseable {
    private final GgufFile file;
    private final ClipConfig config;
    private final VisionPreset preset;
    private final ClipVisionTransformer vit;
    private final Projector projector;

    private ClipVisionModel(GgufFile file, VisionPreset preset, AttentionSpec attention) {
        this.file = file;
        this.preset = preset;
        this.config = ClipConfig.from(file.metadata());
        VisionNumerics numerics = VisionNumerics.of(preset);
        MmprojTensors t = new MmprojTensors(file);
        this.vit = new ClipVisionTransformer(t, config, numerics, Attention.forEncoder(attention));
        this.projector = switch (config.projectorType()) {
            case MLP -> MlpProjector.llava(t, config.hidden(), numerics);
            case LDP -> new LdpProjector(t, config.hidden(), numerics, config.layerNormEps());
            case LDPV2 -> new LdpV2Projector(t, config.hidden(), numerics);
        };
    }

    /** Opens and checks {@code mmproj}; a malformed file fails here with one line naming the problem. */
    public static ClipVisionModel load(Path mmproj, VisionPreset preset) throws IOException {
        return load(mmproj, preset, AttentionSpec.EXACT);
    }

    /** As {@link #load(Path, VisionPreset)}, the ViT's self-attention computed as {@code attention} says. */
    public static ClipVisionModel load(Path mmproj, VisionPreset preset, AttentionSpec attention) throws IOException {
        Attention.forEncoder(attention);
        GgufFile file = GgufFile.open(mmproj);
        try {
            return new ClipVisionModel(file, preset, attention);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    public ClipConfig config() {
        return config;
    }

    public VisionPreset preset() {
        return preset;
    }

    /** Floating-point operations of the ViT's matrix products and attention per image (2 per multiply-add). */
    public long vitFlops() {
        return vit.flops();
    }

    /** Image tokens per image (576 for mlp at 336/14, 144 for ldp and ldpv2). */
    public int outputTokens() {
        return projector.outputTokens(config.patchCount());
    }

    /** Width of each image token: the language model's n_embd it feeds. */
    public int embeddingLength() {
        return projector.embeddingLength();
    }

    /**
     * Image embeddings, token-major {@code [outputTokens][embeddingLength]}, from a preprocessed
     * image: HWC float32 {@code [S][S][3]}, normalised (what {@code VisionPreprocessor} returns).
     */
    public float[] encode(float[] hwc) {
        return projector.project(vit.encode(hwc), config.patchCount());
    }

    @Override
    public void close() {
        file.close();
    }
}
