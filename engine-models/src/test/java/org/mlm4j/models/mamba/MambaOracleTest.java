package org.mlm4j.models.mamba;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.models.llm.Input;
import org.mlm4j.models.llm.Session;
import org.mlm4j.models.llm.SessionOptions;
import org.mlm4j.testing.TestData;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The oracle's Mamba models (testdata/oracle/text, llama.cpp c392e50 logits): prompt logits
 * within the README's tolerances and the same 16 greedy tokens, each greedy step's logits too.
 */
class MambaOracleTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // model, logits file, tolerance (README: ~1e-4 for F32, ~1e-3 for Q8_0; measured 9e-6 and 2e-6)
            "mamba_e128-F32,    mamba_e128-F32.kvf32.bin,          1e-4",
            "mamba_e128-Q8_0,   mamba_e128-Q8_0.kvf16.bin,         1e-4",
    })
    void promptLogitsAndGreedyTokensMatchLlamaCpp(String model, String logitsFile, float tolerance) throws IOException {
        Map<String, Object> manifest = TestData.json("oracle/text/manifests/" + model + ".json");
        int[] prompt = ints(manifest.get("prompt_ids"));
        int[] greedy = ints(manifest.get("greedy_ids"));
        float[] expectedPrompt = TestData.floats("oracle/text/logits/" + logitsFile);
        float[] expectedGreedy = TestData.floats("oracle/text/logits/" + model + ".kvf16.greedy.bin");
        try (MambaModel lm = MambaModel.load(GgufFile.open(TestData.path("oracle/text/models/" + model + ".gguf")),
                KernelProvider.get());
             Session session = lm.newSession(SessionOptions.DEFAULT.withContextLength(128))) {
            int vocab = lm.vocabSize();
            float[] logits = session.forward(Input.tokens(prompt), Session.Logits.ALL);
            assertClose(logits, expectedPrompt, tolerance, "prompt logits");

            float[] last = java.util.Arrays.copyOfRange(logits, (prompt.length - 1) * vocab, prompt.length * vocab);
            for (int step = 0; step < greedy.length; step++) {
                assertThat(argmax(last)).as("greedy token %d", step).isEqualTo(greedy[step]);
                last = session.forward(Input.tokens(greedy[step]), Session.Logits.LAST);
                assertClose(last, java.util.Arrays.copyOfRange(expectedGreedy, step * vocab, (step + 1) * vocab),
                        tolerance, "greedy step " + step);
            }
        }
    }

    static void assertClose(float[] actual, float[] expected, float tolerance, String what) {
        assertThat(actual).as(what + " length").hasSameSizeAs(expected);
        double maxDiff = 0;
        for (int i = 0; i < actual.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
        }
        assertThat(maxDiff).as(what + ": max |Δ| against llama.cpp").isLessThanOrEqualTo(tolerance);
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    static int[] ints(Object jsonList) {
        return ((List<?>) jsonList).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }
}
