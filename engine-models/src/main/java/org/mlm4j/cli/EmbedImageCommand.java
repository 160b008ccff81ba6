package org.mlm4j.cli;

import org.mlm4j.VisionEncoder;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.Parallel;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

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
                  --vision-attention A        the ViT's attention: exact (default, tiled), block:B[,stride:T],
                                              linear:elu or linear:favor:M (docs/attention.md)
                  --image-tokens N            average-pool the token grid to √N×√N tokens (e.g. 144 -> 36)
                """;
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        Path mmproj = options.requiredPath("mmproj");
        Path imageFile = options.requiredPath("image");
        Path output = options.requiredPath("out");
        String preprocessedOut = options.string("preprocessed-out", null);
        VisionEncoder.Options encoderOptions = ImageOptions.encoderOptions(options);
        Parallel.configure(options.integer("threads", Runtime.getRuntime().availableProcessors()));
        options.finish();

        try (VisionEncoder encoder = VisionEncoder.load(mmproj, encoderOptions)) {
            ImageEncoding image = ImageEncoding.run(encoder, imageFile);
            writeFloats(output, image.embeddings());
            if (preprocessedOut != null) {
                writeFloats(Path.of(preprocessedOut), new float[][] {image.preprocessed()});
            }
            err.printf("preset %s, kernels %s, %d threads%n", encoderOptions.preset().cliName(), KernelProvider.get().name(), Parallel.threads());
            image.report(err);
        }
        return 0;
    }

    /** Rows of floats, one after the other, as float32 little-endian. */
    static void writeFloats(Path path, float[][] rows) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Arrays.stream(rows).mapToInt(r -> r.length).sum() * Float.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : rows) {
            for (float v : row) {
                b.putFloat(v);
            }
        }
        Files.write(path, b.array());
    }
}
