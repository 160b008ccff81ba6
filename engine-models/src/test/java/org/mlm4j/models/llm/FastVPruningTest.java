package org.mlm4j.models.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.kernels.AttentionSpec;
import org.mlm4j.models.llm.ModelConfig.Architecture;
import org.mlm4j.models.llm.SessionOptions.KvCacheType;
import org.mlm4j.tensor.GgmlType;

/**
 * FastV against its definition, on a tiny random LLaMA (4 blocks, GQA): the kept image rows are
 * the most attended by the last prompt row at block K, and the pruned model equals the full one
 * with the dropped rows masked out of blocks K+1 .. at unchanged positions, through decode.
 */
class FastVPruningTest {
    private static final RandomModel.Dims DIMS =
            new RandomModel.Dims("fastv-test", Architecture.LLAMA, 64, 4, 192, 8, 4, 512, 256, 8);
    private static final int[] BEFORE = {1, 300, 301, 302};
    private static final int IMAGE_ROWS = 20;
    private static final int[] AFTER = {310, 311, 312};
    private static final int[] DECODED = {320, 321};

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void writeModel() throws Exception {
        model = dir.resolve("fastv-test.gguf");
        RandomModel.write(DIMS, GgmlType.F32, 7, model);
    }

    private static float[] imageRows() {
        SplittableRandom random = new SplittableRandom(3);
        float[] rows = new float[IMAGE_ROWS * DIMS.embd()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) random.nextDouble(-1, 1);
        }
        return rows;
    }

    private static List<Input> prompt() {
        return List.of(Input.tokens(BEFORE), Input.embeddings(imageRows(), IMAGE_ROWS), Input.tokens(AFTER));
    }

    private static SessionOptions options(int maxBatch, FastV fastV) {
        return new SessionOptions(64, KvCacheType.F32, maxBatch).withFastV(fastV);
    }

    @Test
    void nothingDroppedGivesExactlyTheUnprunedLogits() throws Exception {
        checkNothingDropped(model);
    }

    /** phi-2 (pre-scaled Q, partial NEOX RoPE, parallel block) and phi-3 (fused QKV) through the same hook. */
    @Test
    void phiBlocksArePrunedThroughTheSameHook() throws Exception {
        for (Architecture arch : new Architecture[] {Architecture.PHI2, Architecture.PHI3}) {
            Path phi = dir.resolve("fastv-" + arch.ggufName + ".gguf");
            RandomModel.write(DIMS.as(arch), GgmlType.F32, 9, phi);
            checkNothingDropped(phi);
            try (CausalLM lm = CausalLM.open(phi); Session s = lm.newSession(options(5, new FastV(1, 0.5)))) {
                FastVPruning.Result result = FastVPruning.prefill((DecoderSession) s, (Decoder) lm, prompt(), new FastV(1, 0.5));
                assertThat(result.droppedRows()).hasSize(IMAGE_ROWS / 2);
                assertThat(Arrays.stream(result.droppedRows()).boxed().toList())
                        .allMatch(r -> r >= BEFORE.length && r < BEFORE.length + IMAGE_ROWS);
                float[] next = s.forward(Input.tokens(DECODED), Session.Logits.LAST);
                assertThat(next).hasSize(DIMS.vocab());
                for (float value : next) {
                    assertThat(value).isFinite();
                }
            }
        }
    }

    private static void checkNothingDropped(Path model) throws Exception {
        try (CausalLM lm = CausalLM.open(model);
             Session pruned = lm.newSession(options(7, new FastV(2, 0)));
             Session full = lm.newSession(options(7, null))) {
            Decoder decoder = (Decoder) lm;
            int e = lm.embeddingLength();
            int n = BEFORE.length + IMAGE_ROWS + AFTER.length;
            float[] rows = new float[n * e];
            for (int t = 0; t < BEFORE.length; t++) {
                decoder.embed(BEFORE[t], rows, t * e);
            }
            System.arraycopy(imageRows(), 0, rows, BEFORE.length * e, IMAGE_ROWS * e);
            for (int t = 0; t < AFTER.length; t++) {
                decoder.embed(AFTER[t], rows, (BEFORE.length + IMAGE_ROWS + t) * e);
            }
            // the same arithmetic in the same order; only a kernel's JIT tier could move the last bit
            assertThat(OracleFiles.maxAbsDiff(pruned.prefill(prompt()),
                    full.forward(Input.embeddings(rows, n), Session.Logits.LAST))).isLessThan(1e-5f);
            assertThat(OracleFiles.maxAbsDiff(pruned.forward(Input.tokens(DECODED), Session.Logits.ALL),
                    full.forward(Input.tokens(DECODED), Session.Logits.ALL))).isLessThan(1e-5f);
        }
    }

    @Test
    void keepsTheMostAttendedImageRowsAndMatchesTheMaskedModelThroughDecode() throws Exception {
        for (int k : new int[] {1, 2, 3}) {
            for (int maxBatch : new int[] {5, 64}) {
                checkAgainstMaskedModel(new FastV(k, 0.5), maxBatch);
            }
        }
        checkAgainstMaskedModel(new FastV(2, 0.75), 64);
    }

    private void checkAgainstMaskedModel(FastV fastV, int maxBatch) throws Exception {
        try (GgufFile gguf = GgufFile.open(model);
             CausalLM lm = CausalLM.open(model);
             Session session = lm.newSession(options(maxBatch, fastV))) {
            FastVPruning.Result result = FastVPruning.prefill((DecoderSession) session, (Decoder) lm, prompt(), fastV);
            int promptRows = BEFORE.length + IMAGE_ROWS + AFTER.length;
            assertThat(session.position()).isEqualTo(promptRows);
            List<float[]> decoded = new ArrayList<>();
            for (int token : DECODED) {
                decoded.add(session.forward(Input.tokens(token), Session.Logits.LAST));
            }
            assertThat(session.position()).isEqualTo(promptRows + DECODED.length);

            NaiveMaskedLlama naive = new NaiveMaskedLlama(gguf);
            double[][] x = naiveInputs(naive);
            double[] attention = new double[x.length];
            naive.forward(x, new boolean[x.length], fastV.layer(), promptRows - 1, attention);
            int[] expectedDropped = IntStream.range(BEFORE.length, BEFORE.length + IMAGE_ROWS).boxed()
                    .sorted((a, b) -> Double.compare(attention[a], attention[b]))
                    .limit(fastV.dropped(IMAGE_ROWS)).mapToInt(Integer::intValue).sorted().toArray();
            assertThat(result.droppedRows()).as("dropped rows, %s", fastV).containsExactly(expectedDropped);

            boolean[] hidden = new boolean[x.length];
            for (int r : expectedDropped) {
                hidden[r] = true;
            }
            double[][] logits = naive.forward(x, hidden, fastV.layer(), promptRows - 1, new double[x.length]);
            assertClose(result.logits(), logits[promptRows - 1], fastV + " prompt");
            for (int i = 0; i < DECODED.length; i++) {
                assertClose(decoded.get(i), logits[promptRows + i], fastV + " decode " + i);
            }
        }
    }

    @Test
    void aSecondImagePromptIsPrunedOnTopOfTheFirst() throws Exception {
        FastV fastV = new FastV(2, 0.5);
        try (GgufFile gguf = GgufFile.open(model);
             CausalLM lm = CausalLM.open(model);
             Session session = lm.newSession(options(64, fastV))) {
            FastVPruning.Result first = FastVPruning.prefill((DecoderSession) session, (Decoder) lm, prompt(), fastV);
            FastVPruning.Result second = FastVPruning.prefill((DecoderSession) session, (Decoder) lm, prompt(), fastV);
            int promptRows = BEFORE.length + IMAGE_ROWS + AFTER.length;
            assertThat(session.position()).isEqualTo(2 * promptRows);

            NaiveMaskedLlama naive = new NaiveMaskedLlama(gguf);
            double[][] once = naiveInputs(naive);
            double[][] x = new double[2 * promptRows][];
            for (int r = 0; r < promptRows; r++) {
                x[r] = once[r];
                x[promptRows + r] = once[r];
            }
            boolean[] hidden = new boolean[x.length];
            for (int r : first.droppedRows()) {
                hidden[r] = true;
            }
            double[] attention = new double[x.length];
            double[][] logits = naive.forward(x, hidden, fastV.layer(), x.length - 1, attention);
            int[] expectedDropped = IntStream.range(promptRows + BEFORE.length, promptRows + BEFORE.length + IMAGE_ROWS)
                    .boxed().sorted((a, b) -> Double.compare(attention[a], attention[b]))
                    .limit(fastV.dropped(IMAGE_ROWS)).mapToInt(r -> r - promptRows).sorted().toArray();
            assertThat(second.droppedRows()).containsExactly(expectedDropped);
            for (int r : expectedDropped) {
                hidden[promptRows + r] = true;
            }
            logits = naive.forward(x, hidden, fastV.layer(), x.length - 1, new double[x.length]);
            assertClose(second.logits(), logits[x.length - 1], "second prompt");
        }
    }

    /** The prompt and the decoded tokens as input rows, in order. */
    private static double[][] naiveInputs(NaiveMaskedLlama naive) {
        List<double[]> rows = new ArrayList<>();
        for (int t : BEFORE) {
            rows.add(naive.embed(t));
        }
        float[] image = imageRows();
        for (int r = 0; r < IMAGE_ROWS; r++) {
            double[] row = new double[DIMS.embd()];
            for (int i = 0; i < row.length; i++) {
                row[i] = image[r * DIMS.embd() + i];
            }
            rows.add(row);
        }
        for (int t : AFTER) {
            rows.add(naive.embed(t));
        }
        for (int t : DECODED) {
            rows.add(naive.embed(t));
        }
        return rows.toArray(double[][]::new);
    }

    private static void assertClose(float[] actual, double[] expected, String what) {
        assertThat(actual).hasSize(expected.length);
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
        }
        assertThat(max).as("max |Δ| of the logits, %s", what).isLessThan(1e-4);
    }

    @Test
    void promptsWithoutImagesAreNotPruned() throws Exception {
        try (CausalLM lm = CausalLM.open(model);
             Session pruned = lm.newSession(options(64, new FastV(1, 0.9)));
             Session full = lm.newSession(options(64, null))) {
            List<Input> text = List.of(Input.tokens(BEFORE), Input.tokens(AFTER));
            assertThat(pruned.prefill(text)).containsExactly(full.prefill(text));
            assertThat(full.position()).isEqualTo(BEFORE.length + AFTER.length);
        }
    }

    @Test
    void refusesSettingsItCannotHonour() throws Exception {
        try (CausalLM lm = CausalLM.open(model)) {
            try (Session s = lm.newSession(options(64, new FastV(4, 0.5)))) {
                assertThatThrownBy(() -> s.prefill(prompt())).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("4 layers");
                assertThat(s.position()).isZero();
            }
            assertThatThrownBy(() -> lm.newSession(options(64, new FastV(1, 0.5))
                    .withAttention(AttentionSpec.parse("window:16")))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("window");
        }
        assertThatThrownBy(() -> FastV.parse("2")).hasMessageContaining("K:R");
        assertThatThrownBy(() -> FastV.parse("0:0.5")).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> FastV.parse("2:1")).hasMessageContaining("[0, 1)");
        assertThat(FastV.parse("2:0.75")).isEqualTo(new FastV(2, 0.75));
        assertThat(Arrays.asList(new FastV(2, 0.5).dropped(144), new FastV(2, 0.75).dropped(144))).containsExactly(72, 108);
    }
}
