package org.mlm4j.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import org.mlm4j.VisionEncoder;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.Parallel;

/**
 * {@code bench vision}: one image through an mmproj file, each stage timed as {@code embed-image}
 * times it (image decode, preprocessing, encode). The first run is reported on its own: it is what
 * a one-shot {@code generate --image} pays, the JIT compiling the kernels included; the next
 * {@code -r} runs (mean ± standard deviation) are what a chat or an embedding application pays
 * for each further image. Encode throughput is the ViT's matrix products and attention
 * ({@link VisionEncoder#vitFlops}) over the encode time; cpu is the encode's process CPU time over
 * threads × wall time (below 100 % the machine was busy).
 */
final class VisionBench implements Command {

    @Override
    public String name() {
        return "vision";
    }

    @Override
    public String summary() {
        return "image decode, preprocess and encode time of an mmproj file, first image and the next ones";
    }

    @Override
    public String help() {
        return """
                usage: mlm4j bench vision --mmproj P.gguf --image I [-r 3] [--threads N] [--vision-preset P]
                                          [--vision-attention A]

                  -r N    runs after the first, reported as mean ± standard deviation
                  --vision-preset, --vision-attention, --threads   as for embed-image
                """;
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        Path mmproj = options.requiredPath("mmproj");
        Path image = options.requiredPath("image");
        int reps = options.integer("r", 3);
        VisionEncoder.Options encoderOptions = ImageOptions.encoderOptions(options);
        Parallel.configure(options.integer("threads", Runtime.getRuntime().availableProcessors()));
        options.finish();
        if (reps < 1) {
            throw new UsageException("-r must be >= 1");
        }
        try (VisionEncoder encoder = VisionEncoder.load(mmproj, encoderOptions)) {
            err.printf("%s: %d image tokens x %d, %.1f ViT GFLOP per image; preset %s, kernels %s, %d threads%n",
                    mmproj.getFileName(), encoder.tokens(), encoder.embeddingLength(), encoder.vitFlops() / 1e9,
                    encoderOptions.preset().cliName(), KernelProvider.get().name(), Parallel.threads());
            out.printf("| %-24s | %-10s | %7s | %-8s | %16s | %16s | %18s | %9s | %4s |%n", "mmproj", "kernels", "threads",
                    "run", "decode ms", "preprocess ms", "encode ms", "GFLOP/s", "cpu");
            ImageEncoding[] first = {ImageEncoding.run(encoder, image)};
            report(out, mmproj, encoder, "first", first);
            ImageEncoding[] next = new ImageEncoding[reps];
            for (int r = 0; r < reps; r++) {
                next[r] = ImageEncoding.run(encoder, image);
            }
            report(out, mmproj, encoder, "next " + reps, next);
        }
        return 0;
    }

    private static void report(PrintStream out, Path mmproj, VisionEncoder encoder, String run, ImageEncoding[] runs) {
        double[] encode = Arrays.stream(runs).mapToDouble(e -> e.encodeNanos() / 1e6).toArray();
        double cpu = Arrays.stream(runs).anyMatch(e -> e.encodeCpuNanos() < 0) ? Double.NaN
                : Arrays.stream(runs).mapToLong(ImageEncoding::encodeCpuNanos).sum()
                        / (Arrays.stream(runs).mapToLong(ImageEncoding::encodeNanos).sum() * (double) Parallel.threads());
        out.printf("| %-24s | %-10s | %7d | %-8s | %16s | %16s | %18s | %9.1f | %3.0f%% |%n", mmproj.getFileName(),
                KernelProvider.get().name(), Parallel.threads(), run,
                meanSd(Arrays.stream(runs).mapToDouble(e -> e.decodeNanos() / 1e6).toArray()),
                meanSd(Arrays.stream(runs).mapToDouble(e -> e.preprocessNanos() / 1e6).toArray()),
                meanSd(encode), encoder.vitFlops() / (mean(encode) * 1e6), 100 * cpu);
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElseThrow();
    }

    /** {@code mean ± sd} (sample standard deviation), or the value alone for one run. */
    private static String meanSd(double[] v) {
        double m = mean(v);
        if (v.length == 1) {
            return String.format("%.1f", m);
        }
        double var = Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / (v.length - 1);
        return String.format("%.1f ± %.1f", m, Math.sqrt(var));
    }
}
