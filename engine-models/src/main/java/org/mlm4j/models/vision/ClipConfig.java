package org.mlm4j.models.vision;

import org.mlm4j.gguf.GgufMetadata;

/**
 * The {@code clip.*} hyper-parameters of an mmproj file (oracle/NUMERICS.md Part B §1), checked:
 * what clip.cpp requires is required here too, with the key named when it is missing or wrong.
 */
public record ClipConfig(
        int imageSize,
        int patchSize,
        int hidden,
        int heads,
        int feedForward,
        int blockCount,
        float layerNormEps,
        boolean useGelu,
        float[] imageMean,
        float[] imageStd,
        ProjectorType projectorType) {

    /** Far above any released CLIP (224 to 448) and small enough that every size computed from it fits an int. */
    static final int MAX_IMAGE_SIZE = 4096;

    public ClipConfig {
        imageMean = imageMean.clone();
        imageStd = imageStd.clone();
    }

    public static ClipConfig from(GgufMetadata m) {
        if (!m.getBoolean("clip.has_vision_encoder")) {
            throw new IllegalArgumentException("not a vision encoder: clip.has_vision_encoder is false");
        }
        if (m.getBoolean("clip.has_text_encoder", false)) {
            throw new IllegalArgumentException("CLIP text encoders are not supported (clip.has_text_encoder is true)");
        }
        if (!m.getBoolean("clip.has_llava_projector", false)) {
            throw new IllegalArgumentException("no LLaVA-style projector (clip.has_llava_projector is missing or false)");
        }
        String merge = m.findString("clip.vision.mm_patch_merge_type").orElse("flat");
        if (!merge.equals("flat")) {
            throw new IllegalArgumentException("patch merge type '" + merge + "' (LLaVA-1.6 anyres) is not supported");
        }
        int imageSize = positive(m, "clip.vision.image_size");
        int patchSize = positive(m, "clip.vision.patch_size");
        int hidden = positive(m, "clip.vision.embedding_length");
        int heads = positive(m, "clip.vision.attention.head_count");
        if (imageSize > MAX_IMAGE_SIZE) {
            throw new IllegalArgumentException("clip.vision.image_size " + imageSize + " is above " + MAX_IMAGE_SIZE);
        }
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("clip.vision.image_size " + imageSize + " is not a multiple of the patch size " + patchSize);
        }
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("clip.vision.embedding_length " + hidden + " is not divisible by the head count " + heads);
        }
        float eps = m.getFloat("clip.vision.attention.layer_norm_epsilon");
        if (!(eps > 0)) {
            throw new IllegalArgumentException("clip.vision.attention.layer_norm_epsilon must be positive, is " + eps);
        }
        return new ClipConfig(imageSize, patchSize, hidden, heads,
                positive(m, "clip.vision.feed_forward_length"), positive(m, "clip.vision.block_count"), eps,
                m.getBoolean("clip.use_gelu"), triple(m, "clip.vision.image_mean"), triple(m, "clip.vision.image_std"),
                ProjectorType.fromGguf(m.findString("clip.projector_type").orElse("mlp")));
    }

    /** Patches per side: S / P. */
    public int grid() {
        return imageSize / patchSize;
    }

    /** Image tokens out of the ViT: one per patch (the CLS token is dropped). */
    public int patchCount() {
        return grid() * grid();
    }

    public int headDim() {
        return hidden / heads;
    }

    private static int positive(GgufMetadata m, String key) {
        int v = m.getInt(key);
        if (v <= 0 || v > 1 << 20) {
            throw new IllegalArgumentException("metadata " + key + " = " + v + " is out of range");
        }
        return v;
    }

    private static float[] triple(GgufMetadata m, String key) {
        float[] v = m.getFloatArray(key);
        if (v.length != 3) {
            throw new IllegalArgumentException("metadata " + key + " must hold 3 values (RGB), holds " + v.length);
        }
        for (float x : v) {
            if (!Float.isFinite(x)) {
                throw new IllegalArgumentException("metadata " + key + " holds a non-finite value");
            }
        }
        return v;
    }
}
