package org.mlm4j.cli;

import org.mlm4j.kernels.Attention;
import org.mlm4j.kernels.AttentionSpec;

import org.mlm4j.VisionEncoder;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.Parallel;
import org.mlm4j.models.vision.image.ImageLoader;
import org.mlm4j.models.vision.image.RgbImage;
import org.mlm4j.models.vision.image.VisionPreset;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code mlm4j embed-image}: image → CLIP ViT + projector embeddings, written as raw float32. */
final class EmbedImageCommand implements Command {
    @Override
    public String name() {
        return "embed-image";
    }

    @Override
    public String summary() {
        return "encode an image with an mmproj file (CLIP ViT + projector) into embeddings";
    }

    @Override
    public String help() {
        return """
                usage: mlm4j embed-image --mmproj P.gguf --image I.png --out F.bin [options]

                Decodes the image (PNG, JPEG, ...), preprocesses it and runs the CLIP vision tower
                and projector (mlp, ldp, ldpv2) of a llama.cpp mmproj file. Writes the embeddings as
                float32 little-endian [n_tokens][n_embd], row-major. Prints the shape and the decode,
                preprocess and encode times to stderr.

                  --mmproj P.gguf             the vision encoder + projector (llama.cpp mmproj GGUF)
                  --image I                   the image file
                  --out F.bin                 where to write the embeddings
                  --preprocessed-out G.bin    also write the preprocessed image, float32 LE [S][S][3] (HWC)
                  --vision-preset pytorch|llamacpp
                                              pytorch (default): what the original PyTorch models compute;
                                              llamacpp: llama.cpp's clip.cpp numbers, quirks included
                  --threads N                 compute threads (default: all cores)
                  --vision-attention A        the ViT's attention: exact (default), block:B[,stride:T],
                                              linear:elu or linear:favor:M (docs/attention.md)
                """;
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        Path mmproj = options.requiredPath("mmproj");
        Path image = options.requiredPath("image");
        Path output = options.requiredPath("out");
        String preprocessedOut = options.string("preprocessed-out", null);
        VisionPreset preset = preset(options);
        Parallel.configure(options.integer("threads", Runtime.getRuntime().availableProcessors()));
        options.finish();

        try (VisionEncoder encoder = VisionEncoder.load(mmproj, new VisionEncoder.Options(preset, visionAttention(options)))) {
            long t0 = System.nanoTime();
            RgbImage decoded = ImageLoader.load(image);
            long t1 = System.nanoTime();
            float[] pre = encoder.preprocess(decoded);
            long t2 = System.nanoTime();
            float[] embeddings = encoder.encodePreprocessed(pre);
            long t3 = System.nanoTime();
            writeFloats(output, embeddings);
            if (preprocessedOut != null) {
                writeFloats(Path.of(preprocessedOut), pre);
            }
            err.printf("image %dx%d -> %d tokens x %d (preset %s, kernels %s, %d threads)%n", decoded.width(),
                    decoded.height(), encoder.tokens(), encoder.embeddingLength(), preset.cliName(),
                    KernelProvider.get().name(), Parallel.threads());
            err.printf("decode %.1f ms, preprocess %.1f ms, encode %.1f ms%n",
                    (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6);
        }
        return 0;
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

    static void writeFloats(Path path, float[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        Files.write(path, b.array());
    }
}
