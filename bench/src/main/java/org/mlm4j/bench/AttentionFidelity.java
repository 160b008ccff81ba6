package org.mlm4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mlm4j.VisionEncoder;
import org.mlm4j.kernels.AttentionSpec;
import org.mlm4j.models.llm.CausalLM;
import org.mlm4j.models.llm.Input;
import org.mlm4j.models.llm.Session;
import org.mlm4j.models.llm.SessionOptions;
import org.mlm4j.models.llm.SessionOptions.KvCacheType;
import org.mlm4j.models.vision.image.ImageLoader;

/**
 * How far each attention approximation moves a model's outputs from exact attention (the table in
 * docs/attention.md): for the oracle text models and stories260K, the logits of every prompt
 * position (top-1 agreement, cosine); for the oracle ViTs, the cosine of the image embeddings.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.mlm4j.bench.AttentionFidelity [testdata]</pre>
 */
public final class AttentionFidelity {
    private AttentionFidelity() {
    }

    public static void main(String[] args) throws IOException {
        Path data = Path.of(args.length > 0 ? args[0] : "testdata");
        List<String> short26 = List.of("window:8,sinks:4", "window:8", "block:4,stride:2", "block:8",
                "linear:elu", "linear:favor:64", "linear:favor:256");
        for (String model : List.of("llama_e128-F32", "phi2_e128-F32")) {
            String manifest = Files.readString(data.resolve("oracle/text/manifests/" + model + ".json"));
            text(data.resolve("oracle/text/models/" + model + ".gguf"), model, ints(manifest, "prompt_ids"), short26);
        }
        int[] story = storyTokens(data.resolve("models/stories260K.gguf"), 400);
        text(data.resolve("models/stories260K.gguf"), "stories260K", story, List.of("window:64,sinks:4", "window:64",
                "window:128,sinks:4", "block:16,stride:4", "block:32", "linear:elu", "linear:favor:64", "linear:favor:256"));
        for (String mmproj : List.of("mmproj-mlp-f32", "mmproj-ldpv2-f32")) {
            vision(data.resolve("oracle/vision/models/" + mmproj + ".gguf"), mmproj,
                    data.resolve("oracle/vision/images/synth_640x480.png"),
                    List.of("block:8", "block:16,stride:4", "block:32", "linear:elu", "linear:favor:64", "linear:favor:256"));
        }
    }

    /** The exact model's greedy continuation of BOS: a text the model itself finds likely. */
    private static int[] storyTokens(Path model, int n) throws IOException {
        try (CausalLM lm = CausalLM.open(model); Session s = lm.newSession(options(AttentionSpec.EXACT))) {
            int[] tokens = new int[n];
            tokens[0] = 1;
            for (int i = 1; i < n; i++) {
                tokens[i] = argmax(s.forward(Input.tokens(tokens[i - 1]), Session.Logits.LAST), 0, lm.vocabSize());
            }
            return tokens;
        }
    }

    private static SessionOptions options(AttentionSpec spec) {
        return new SessionOptions(512, KvCacheType.F32, 512).withAttention(spec);
    }

    private static void text(Path model, String name, int[] tokens, List<String> specs) throws IOException {
        try (CausalLM lm = CausalLM.open(model)) {
            int vocab = lm.vocabSize();
            float[] exact = logits(lm, tokens, AttentionSpec.EXACT);
            System.out.printf("%n%s, %d positions: spec | top-1 agreement | mean cosine | min cosine%n", name, tokens.length);
            for (String spec : specs) {
                float[] approx = logits(lm, tokens, AttentionSpec.parse(spec));
                int agree = 0;
                double sumCos = 0;
                double minCos = 1;
                for (int r = 0; r < tokens.length; r++) {
                    if (argmax(exact, r * vocab, vocab) == argmax(approx, r * vocab, vocab)) {
                        agree++;
                    }
                    double c = cosine(exact, approx, r * vocab, vocab);
                    sumCos += c;
                    minCos = Math.min(minCos, c);
                }
                System.out.printf("| %s | %s | %.1f%% | %.4f | %.4f |%n", name, spec, 100.0 * agree / tokens.length,
                        sumCos / tokens.length, minCos);
            }
        }
    }

    private static float[] logits(CausalLM lm, int[] tokens, AttentionSpec spec) {
        try (Session s = lm.newSession(options(spec))) {
            return s.forward(Input.tokens(tokens), Session.Logits.ALL);
        }
    }

    private static void vision(Path mmproj, String name, Path image, List<String> specs) throws IOException {
        VisionEncoder.Options exactOptions = VisionEncoder.Options.defaults();
        float[] exact;
        float[] hwc;
        try (VisionEncoder e = VisionEncoder.load(mmproj, exactOptions)) {
            hwc = e.preprocess(ImageLoader.load(image));
            exact = flatten(e.encodePreprocessed(hwc));
            System.out.printf("%n%s (%d image tokens of %d): spec | cosine of all embeddings | min cosine of a token%n",
                    name, e.tokens(), e.embeddingLength());
        }
        for (String spec : specs) {
            try (VisionEncoder e = VisionEncoder.load(mmproj, exactOptions.withAttention(AttentionSpec.parse(spec)))) {
                float[] approx = flatten(e.encodePreprocessed(hwc));
                int w = e.embeddingLength();
                double minCos = 1;
                for (int t = 0; t < e.tokens(); t++) {
                    minCos = Math.min(minCos, cosine(exact, approx, t * w, w));
                }
                System.out.printf("| %s | %s | %.4f | %.4f |%n", name, spec, cosine(exact, approx, 0, exact.length), minCos);
            }
        }
    }

    private static float[] flatten(float[][] rows) {
        float[] flat = new float[rows.length * rows[0].length];
        for (int t = 0; t < rows.length; t++) {
            System.arraycopy(rows[t], 0, flat, t * rows[t].length, rows[t].length);
        }
        return flat;
    }

    private static int[] ints(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\\[([^\\]]*)]").matcher(json);
        if (!m.find()) {
            throw new IllegalArgumentException("no " + key);
        }
        return Arrays.stream(m.group(1).split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
    }

    private static int argmax(float[] x, int o, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[o + i] > x[o + best]) {
                best = i;
            }
        }
        return best;
    }

    private static double cosine(float[] a, float[] b, int o, int n) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = o; i < o + n; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }
}
