package org.mlm4j;

import org.mlm4j.kernels.AttentionSpec;
import org.mlm4j.models.vision.ClipVisionModel;
import org.mlm4j.models.vision.TokenPooling;
import org.mlm4j.models.vision.image.ImageLoader;
import org.mlm4j.models.vision.image.RgbImage;
import org.mlm4j.models.vision.image.VisionPreprocessor;
import org.mlm4j.models.vision.image.VisionPreset;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Turns images into the embeddings a multimodal language model reads in place of its
 * {@code <image>} placeholder: CLIP ViT + projector (MLP, LDP or LDPv2) from a llama.cpp
 * {@code mmproj} GGUF file.
 *
 * <pre>{@code
 * try (VisionEncoder vision = VisionEncoder.load(Path.of("mmproj.gguf"))) {
 *     float[][] tokens = vision.encode(Path.of("photo.jpg"));   // [144][2048] for MobileVLM V2
 * }
 * }</pre>
 *
 * <p>The {@link VisionPreset} chooses whose numbers to reproduce: {@code PYTORCH} (the default) is
 * what the original models compute, {@code LLAMACPP} is llama.cpp's clip.cpp, quirks included.
 * One encoder serves one thread at a time; the weights stay memory-mapped until {@link #close()}.
 */
public final class VisionEncoder implements AutoCloseable {

    /**
     * Load options.
     *
     * @param preset      whose numbers to reproduce
     * @param attention   the ViT's self-attention: exact (default), {@code block:B[,stride:T]} or
     *                    {@code linear:…} (docs/attention.md; a sliding window is for decoders)
     * @param imageTokens N: average-pool the projector's token grid further to √N×√N tokens
     *                    ({@link TokenPooling}, e.g. MobileVLM's 144 → 64 or 36) for shorter
     *                    prompts; 0 keeps the projector's tokens
     */
    public record Options(VisionPreset preset, AttentionSpec attention, int imageTokens) {
        public Options {
            Objects.requireNonNull(preset, "preset");
            Objects.requireNonNull(attention, "attention");
            if (imageTokens != 0) {
                TokenPooling.side(imageTokens);
            }
        }

        public Options(VisionPreset preset) {
            this(preset, AttentionSpec.EXACT);
        }

        public Options(VisionPreset preset, AttentionSpec attention) {
            this(preset, attention, 0);
        }

        public Options withAttention(AttentionSpec spec) {
            return new Options(preset, spec, imageTokens);
        }

        public static Options defaults() {
            return new Options(VisionPreset.DEFAULT);
        }

        public Options withImageTokens(int n) {
            return new Options(preset, attention, n);
        }
    }

    private final ClipVisionModel model;
    private final VisionPreprocessor preprocessor;
    /** The side of the pooled token grid, or 0 to keep the projector's tokens. */
    private final int pooledSide;

    private VisionEncoder(ClipVisionModel model, int imageTokens) {
        this.model = model;
        this.pooledSide = imageTokens == 0 ? 0 : TokenPooling.side(imageTokens);
        if (imageTokens > model.outputTokens()) {
            throw new IllegalArgumentException("image tokens " + imageTokens + ": the projector gives only "
                    + model.outputTokens());
        }
        this.preprocessor = new VisionPreprocessor(model.preset(), model.config().imageSize(),
                model.config().imageMean(), model.config().imageStd());
    }

    public static VisionEncoder load(Path mmproj) throws IOException {
        return load(mmproj, Options.defaults());
    }

    /** Opens and checks an mmproj file; unsupported projectors and missing tensors fail here. */
    public static VisionEncoder load(Path mmproj, Options options) throws IOException {
        ClipVisionModel model = ClipVisionModel.load(mmproj, options.preset(), options.attention());
        try {
            return new VisionEncoder(model, options.imageTokens());
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Decodes (PNG, JPEG, ...), preprocesses and encodes an image file: {@code [tokens()][embeddingLength()]}. */
    public float[][] encode(Path image) throws IOException {
        return encode(ImageLoader.load(image));
    }

    /** Preprocesses and encodes a decoded image. */
    public float[][] encode(RgbImage image) {
        return encodePreprocessed(preprocess(image));
    }

    /** The preset's padding, resizing and normalisation: HWC float32 {@code [S][S][3]}. */
    public float[] preprocess(RgbImage image) {
        return preprocessor.preprocess(image);
    }

    /** The embeddings {@code [tokens()][embeddingLength()]} of a preprocessed image ({@link #preprocess}). */
    public float[][] encodePreprocessed(float[] hwc) {
        int width = embeddingLength();
        float[] flat = model.encode(hwc);
        if (pooledSide > 0) {
            flat = TokenPooling.pool(flat, width, pooledSide);
        }
        float[][] rows = new float[flat.length / width][];
        for (int t = 0; t < rows.length; t++) {
            rows[t] = Arrays.copyOfRange(flat, t * width, (t + 1) * width);
        }
        return rows;
    }

    /** Image tokens per image (144 for MobileVLM, 576 for LLaVA-1.5; fewer with {@code imageTokens}). */
    public int tokens() {
        return pooledSide == 0 ? model.outputTokens() : pooledSide * pooledSide;
    }

    /** The width of each image token: the n_embd of the language model it feeds. */
    public int embeddingLength() {
        return model.embeddingLength();
    }

    /** S: the side of the square the image is resized to. */
    public int imageSize() {
        return model.config().imageSize();
    }

    /**
     * Floating-point operations of the ViT's matrix products and attention per image (2 per
     * multiply-add; the projector and the element-wise steps are a few percent more): what
     * throughput figures divide by.
     */
    public long vitFlops() {
        return model.vitFlops();
    }

    public VisionPreset preset() {
        return model.preset();
    }

    @Override
    public void close() {
        model.close();
    }
}
