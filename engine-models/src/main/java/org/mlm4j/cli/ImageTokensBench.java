package org.mlm4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mlm4j.LanguageModel;
import org.mlm4j.VisionEncoder;
import org.mlm4j.models.chat.ChatMessage;
import org.mlm4j.models.chat.ChatTemplate;
import org.mlm4j.models.llm.FastV;
import org.mlm4j.models.llm.Input;
import org.mlm4j.models.llm.Session;
import org.mlm4j.models.llm.SessionOptions;
import org.mlm4j.models.vision.MultimodalPrompt;
import org.mlm4j.models.vision.TokenPooling;

/**
 * {@code bench image-tokens}: what visual-token reduction buys and costs. One image is encoded
 * once; each setting (the projector's full grid, {@code --image-tokens N} pooling, {@code --fastv K:R})
 * evaluates the same prompt (MobileVLM format unless it holds its own {@code <image>}) in a fresh
 * session. Reported: the prompt (prefill) time, wall and process CPU, median of {@code -r} rounds
 * that take the settings in turn after a warm-up (on a shared machine CPU time is the steadier
 * figure), and the fidelity against the full path, teacher-forced on the full path's {@code -n}
 * greedy tokens: how often the setting's top-1 token agrees,
 * and the cosine of its next-token logits (after the prompt, and the mean over the steps).
 */
final class ImageTokensBench implements Command {

    @Override
    public String name() {
        return "image-tokens";
    }

    @Override
    public String summary() {
        return "prompt time and fidelity of visual-token reduction (--image-tokens, --fastv) vs the full path";
    }

    @Override
    public String help() {
        return """
                usage: mlm4j bench image-tokens --model M.gguf --mmproj P.gguf --image I [--settings LIST]
                                                [--prompt TEXT] [-n 16] [-r 3] [vision options] [model options]

                  --settings LIST  comma-separated: N (pool to N image tokens) or fastv:K:R
                                   (default: 64,36,fastv:2:0.5,fastv:2:0.75); the full grid always runs first
                  --prompt TEXT    the question after the image, put in the MobileVLM / Vicuna format;
                                   a prompt with one <image> is used as it is
                  -n N             greedy steps compared (teacher-forced on the full path's tokens)
                  -r N             timing rounds after the warm-up, each over every setting in turn
                                   (median reported; wall and process CPU time)
                  --vision-preset, --vision-attention   as for generate

                """ + ModelOptions.HELP;
    }

    /** One way to evaluate the image: pooled to {@code imageTokens} (0: as projected), with or without FastV. */
    private record Setting(String name, int imageTokens, FastV fastV) {
        static Setting parse(String text) {
            if (text.startsWith("fastv:")) {
                return new Setting("fastv " + text.substring(6), 0, FastV.parse(text.substring(6)));
            }
            try {
                int n = Integer.parseInt(text);
                TokenPooling.side(n);
                return new Setting(n + " tokens", n, null);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--settings: '" + text + "' is neither a square token count nor fastv:K:R");
            }
        }
    }

    /** One setting's prompt, the logits after it and after each forced step, and its prompt timings. */
    private record Run(String name, SessionOptions options, List<Input> prompt, int imageRows, List<float[]> logits,
                       double[] wallMillis, double[] cpuMillis) {
        int promptRows() {
            return prompt.stream().mapToInt(Input::count).sum();
        }
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        ModelOptions model = ModelOptions.read(options);
        ImageOptions vision = ImageOptions.read(options);
        String question = options.string("prompt", "Describe the image in detail.");
        int steps = options.integer("n", 16);
        int reps = options.integer("r", 3);
        List<Setting> settings = new ArrayList<>();
        for (String s : options.string("settings", "64,36,fastv:2:0.5,fastv:2:0.75").split(",")) {
            settings.add(Setting.parse(s.strip()));
        }
        options.finish();
        if (vision.mmproj() == null || vision.images().size() != 1) {
            throw new UsageException("--mmproj and one --image are required");
        }
        if (steps < 1 || reps < 1) {
            throw new UsageException("-n and -r must be at least 1");
        }
        try (LanguageModel lm = model.load()) {
            float[][] image;
            try (VisionEncoder encoder = vision.open()) {
                ImageEncoding e = ImageEncoding.run(encoder, vision.images().getFirst());
                e.report(err);
                image = e.embeddings();
            }
            String text = MultimodalPrompt.placeholders(question) == 1 ? question
                    : ChatTemplate.MOBILEVLM.apply(List.of(ChatMessage.user(
                            MultimodalPrompt.IMAGE_PLACEHOLDER + "\n" + question)), true);
            SessionOptions base = model.sessionOptions();
            List<Run> runs = new ArrayList<>();
            runs.add(newRun(lm, "full (" + image.length + " tokens)", base, text, image, null, reps));
            for (Setting s : settings) {
                float[][] rows = s.imageTokens() == 0 ? image : pool(image, s.imageTokens());
                runs.add(newRun(lm, s.name(), base.withFastV(s.fastV()), text, rows, s.fastV(), reps));
            }
            // the fidelity pass doubles as the warm-up; timing rounds then take every setting in turn,
            // so a busy machine slows them alike
            int[] greedy = null;
            for (Run r : runs) {
                stepThrough(lm, r, steps, greedy);
                if (greedy == null) {
                    greedy = r.logits().stream().mapToInt(ImageTokensBench::argmax).toArray();
                }
            }
            for (int round = 0; round < reps; round++) {
                for (Run r : runs) {
                    try (Session session = lm.model().newSession(r.options())) {
                        long cpu0 = ModelBench.processCpuNanos();
                        long t0 = System.nanoTime();
                        session.prefill(r.prompt());
                        r.wallMillis()[round] = (System.nanoTime() - t0) / 1e6;
                        r.cpuMillis()[round] = (ModelBench.processCpuNanos() - cpu0) / 1e6;
                    }
                }
            }
            out.printf("| setting | prompt rows | image rows after layer K | prompt ms (wall) | prompt ms (cpu) | saving (cpu) | top-1 agreement | cosine (next token) | mean cosine |%n");
            out.printf("|---|---|---|---|---|---|---|---|---|%n");
            for (Run r : runs) {
                report(out, r, runs.getFirst(), greedy);
            }
        }
        return 0;
    }

    private static Run newRun(LanguageModel lm, String name, SessionOptions options, String text, float[][] image,
                              FastV fastV, int reps) {
        List<Input> prompt = MultimodalPrompt.build(lm.tokenizer(), text, List.<float[][]>of(image),
                lm.model().embeddingLength(), true);
        int kept = image.length - (fastV == null ? 0 : fastV.dropped(image.length));
        return new Run(name, options, prompt, kept, new ArrayList<>(), new double[reps], new double[reps]);
    }

    /**
     * Fills {@code r.logits()} with {@code steps} rows: after the prompt, then after each of the
     * {@code forced} tokens (when null, after each of its own greedy tokens).
     */
    private static void stepThrough(LanguageModel lm, Run r, int steps, int[] forced) {
        try (Session session = lm.model().newSession(r.options())) {
            float[] last = session.prefill(r.prompt());
            r.logits().add(last);
            for (int i = 0; i + 1 < steps; i++) {
                int token = forced == null ? argmax(last) : forced[i];
                last = session.forward(Input.tokens(token), Session.Logits.LAST);
                r.logits().add(last);
            }
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static void report(PrintStream out, Run r, Run full, int[] forced) {
        int agree = 0;
        double cosSum = 0;
        for (int i = 0; i < forced.length; i++) {
            agree += argmax(r.logits().get(i)) == forced[i] ? 1 : 0;
            cosSum += cosine(r.logits().get(i), full.logits().get(i));
        }
        double cpu = median(r.cpuMillis());
        out.printf(java.util.Locale.ROOT, "| %s | %d | %d | %.1f | %.1f | %.0f %% | %d/%d | %.4f | %.4f |%n", r.name(),
                r.promptRows(), r.imageRows(), median(r.wallMillis()), cpu, 100 * (1 - cpu / median(full.cpuMillis())),
                agree, forced.length, cosine(r.logits().getFirst(), full.logits().getFirst()), cosSum / forced.length);
    }

    private static float[][] pool(float[][] image, int tokens) {
        int width = image[0].length;
        float[] flat = new float[image.length * width];
        for (int t = 0; t < image.length; t++) {
            System.arraycopy(image[t], 0, flat, t * width, width);
        }
        float[] pooled = TokenPooling.pool(flat, width, TokenPooling.side(tokens));
        float[][] rows = new float[tokens][];
        for (int t = 0; t < tokens; t++) {
            rows[t] = Arrays.copyOfRange(pooled, t * width, (t + 1) * width);
        }
        return rows;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
