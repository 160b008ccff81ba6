package org.mlm4j.cli;

import org.mlm4j.gguf.FileType;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.gguf.ModelQuantizer;
import org.mlm4j.gguf.QuantizationPlan;
import org.mlm4j.tensor.GgmlType;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code quantize IN.gguf OUT.gguf TYPE}: llama-quantize's default mixes, without an importance matrix. */
final class QuantizeCommand implements Command {
    /** Inputs smaller than this finish too fast for progress lines to help. */
    private static final long PROGRESS_MIN_BYTES = 64L << 20;

    @Override
    public String name() {
        return "quantize";
    }

    @Override
    public String summary() {
        return "write a GGUF model (LLM or mmproj) with quantized weights, as llama-quantize";
    }

    @Override
    public String help() {
        return """
                usage: mlm4j quantize IN.gguf OUT.gguf TYPE [--pure] [--output-tensor-type T]
                                      [--token-embedding-type T] [--allow-requantize]
                                      [--leave-output-tensor] [--verbose]

                Converts the weights of IN (f32, f16 or bf16) to TYPE and writes OUT, choosing each
                tensor's type as llama.cpp's llama-quantize does without an importance matrix, with
                the same reference quantizers (same bytes): 1-D tensors, norms and conv1d stay as
                they are; the output head (or tied token embedding) gets q6_K (q8_0 if rows are not
                whole 256-blocks); the _M mixes give attn_v/ffn_down q6_K in some layers; a type
                whose block does not divide a row falls back (q4_K->q5_0, q5_K->q5_1, q6_K->q8_0).
                TYPE: %s (q3_k, q4_k, q5_k mean the _m mixes; llama.cpp's numbers work too).
                  --pure                    every converted tensor gets TYPE's tensor type
                  --output-tensor-type T    type of output.weight (f16, q8_0, q6_k, ...)
                  --token-embedding-type T  type of token_embd.weight
                  --allow-requantize        accept already-quantized inputs (loses precision)
                  --leave-output-tensor     copy output.weight as it is
                  --verbose                 the type chosen for every tensor
                """.formatted(String.join(", ", java.util.Arrays.stream(FileType.values())
                        .map(t -> t.name().toLowerCase(java.util.Locale.ROOT)).toList()));
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        boolean pure = options.flag("pure");
        boolean allowRequantize = options.flag("allow-requantize");
        boolean leaveOutput = options.flag("leave-output-tensor");
        boolean verbose = options.flag("verbose");
        GgmlType outputType = tensorType(options, "output-tensor-type");
        GgmlType embeddingType = tensorType(options, "token-embedding-type");
        List<String> args = options.positional();
        options.finish();
        if (args.size() != 3) {
            throw new UsageException("needs IN.gguf OUT.gguf TYPE, got " + args.size() + " argument(s)");
        }
        Path input = Path.of(args.get(0));
        Path output = Path.of(args.get(1));
        FileType fileType;
        try {
            fileType = FileType.parse(args.get(2));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (!Files.isRegularFile(input)) {
            throw new UsageException("no such file: " + input);
        }
        long t0 = System.nanoTime();
        try (GgufFile in = GgufFile.open(input)) {
            QuantizationPlan plan = QuantizationPlan.of(in, fileType,
                    new QuantizationPlan.Settings(pure, outputType, embeddingType, allowRequantize, leaveOutput));
            if (verbose) {
                for (QuantizationPlan.Entry e : plan.entries()) {
                    err.printf("%-40s %-6s -> %s%n", e.name(), e.from().ggmlName(), e.to().ggmlName());
                }
            }
            boolean showProgress = Files.size(input) >= PROGRESS_MIN_BYTES;
            int[] lastPercent = {0};
            ModelQuantizer.write(in, plan, output, (i, n, done, total) -> {
                int percent = (int) (100 * done / Math.max(1, total));
                if (showProgress && percent / 10 > lastPercent[0] / 10) {
                    lastPercent[0] = percent;
                    err.printf("quantize: %3d%% (%d/%d tensors)%n", percent, i, n);
                }
            });
            double seconds = (System.nanoTime() - t0) / 1e9;
            long inBytes = Files.size(input);
            err.printf("wrote %s (%s, %.1f MB -> %.1f MB; %s) in %.1f s, %.0f MB/s%n", output,
                    fileType.name(), inBytes / 1e6, Files.size(output) / 1e6, histogram(plan), seconds,
                    inBytes / 1e6 / seconds);
        }
        return 0;
    }

    private static GgmlType tensorType(Options options, String option) {
        String name = options.string(option, null);
        if (name == null) {
            return null;
        }
        GgmlType type = GgmlType.byName(name);
        if (type == null) {
            throw new UsageException("--" + option + " '" + name + "' is not a ggml tensor type");
        }
        return type;
    }

    private static String histogram(QuantizationPlan plan) {
        Map<String, Integer> counts = new TreeMap<>();
        for (QuantizationPlan.Entry e : plan.entries()) {
            counts.merge(e.to().ggmlName(), 1, Integer::sum);
        }
        StringBuilder sb = new StringBuilder();
        counts.forEach((type, n) -> sb.append(sb.isEmpty() ? "" : ", ").append(n).append(' ').append(type));
        return sb.toString();
    }
}
