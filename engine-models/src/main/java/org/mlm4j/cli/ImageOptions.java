package org.mlm4j.cli;

import org.mlm4j.VisionEncoder;
import org.mlm4j.kernels.Attention;
import org.mlm4j.kernels.AttentionSpec;
import org.mlm4j.models.vision.image.VisionPreset;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The image options of {@code generate} and {@code chat}: {@code --mmproj}, {@code --image},
 * {@code --vision-preset}, {@code --vision-attention}, {@code --image-tokens} (the last three also read
 * by {@code embed-image}).
 */
record ImageOptions(Path mmproj, List<Path> images, VisionEncoder.Options encoder) {

    static ImageOptions read(Options options) {
        String mmproj = options.string("mmproj", null);
        String images = options.string("image", null);
        VisionEncoder.Options encoder = encoderOptions(options);
        if (images != null && mmproj == null) {
            throw new UsageException("--image needs --mmproj (the vision encoder and projector)");
        }
        List<Path> files = new ArrayList<>();
        if (images != null) {
            for (String f : images.split(",")) {
                if (!f.isBlank()) {
                    files.add(Path.of(f.strip()));
                }
            }
        }
        return new ImageOptions(mmproj == null ? null : Path.of(mmproj), files, encoder);
    }

    /** {@code --vision-preset}, {@code --vision-attention} and {@code --image-tokens}. */
    static VisionEncoder.Options encoderOptions(Options options) {
        int imageTokens = options.integer("image-tokens", 0);
        try {
            return new VisionEncoder.Options(preset(options), visionAttention(options), imageTokens);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--image-tokens: " + e.getMessage());
        }
    }

    /** {@code --vision-attention}, shared with the commands that take images. */
    static AttentionSpec visionAttention(Options options) {
        try {
            return Attention.forEncoder(AttentionSpec.parse(options.string("vision-attention", "exact"))).spec();
        } catch (IllegalArgumentException e) {
            throw new UsageException("--vision-attention: " + e.getMessage());
        }
    }

    /** {@code --vision-preset}, shared with the commands that take images. */
    static VisionPreset preset(Options options) {
        String name = options.string("vision-preset", VisionPreset.DEFAULT.cliName());
        try {
            return VisionPreset.fromName(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The vision encoder, or null without {@code --mmproj}. */
    VisionEncoder open() throws IOException {
        return mmproj == null ? null : VisionEncoder.load(mmproj, encoder);
    }

    /** Every {@code --image} encoded, in order, each reported on {@code err}; empty without images. */
    List<float[][]> encodeAll(PrintStream err) throws IOException {
        List<float[][]> encoded = new ArrayList<>();
        if (images.isEmpty()) {
            return encoded;
        }
        try (VisionEncoder encoder = open()) {
            for (Path image : images) {
                ImageEncoding e = ImageEncoding.run(encoder, image);
                e.report(err);
                encoded.add(e.embeddings());
            }
        }
        return encoded;
    }
}
