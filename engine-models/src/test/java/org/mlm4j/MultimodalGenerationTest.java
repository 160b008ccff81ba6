package org.mlm4j;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlm4j.models.llm.Input;
import org.mlm4j.models.llm.Session;
import org.mlm4j.models.llm.SessionOptions;
import org.mlm4j.models.sampling.SamplingParams;
import org.mlm4j.models.tokenizer.Tokenizer;
import org.mlm4j.testing.TestData;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Image + prompt → text through the public API ({@link TinyMultimodalModel}). The image path of {@link Conversation#generate(String, List, SamplingParams, int,
 * java.util.function.Consumer)} must equal feeding the encoder's vectors into a session by hand in
 * the llava order (text with BOS, image rows, text without BOS).
 */
class MultimodalGenerationTest {
    private static final String BEFORE = "A chat. USER: ";
    private static final String AFTER = "\nWhat is in the image? ASSISTANT:";
    private static final int TOKENS = 6;
    private static final int PROBE = 300;

    @TempDir
    static Path dir;
    static Path model;
    static float[][] landscape;
    static float[][] portrait;

    @BeforeAll
    static void writeModels() throws Exception {
        TinyMultimodalModel tiny = TinyMultimodalModel.write(dir);
        model = tiny.model();
        try (VisionEncoder vision = VisionEncoder.load(tiny.mmproj())) {
            landscape = vision.encode(TestData.path("oracle/vision/images/synth_640x480.png"));
            portrait = vision.encode(TestData.path("oracle/vision/images/synth_240x320.png"));
        }
    }

    /**
     * The conversation evaluates the image prompt, then one probe token; its logits must equal those of
     * a session fed by hand (up to the last bits, which kernels may round differently between JIT tiers).
     */
    @Test
    void theImagePathEqualsFeedingTheEmbeddingsByHand() throws Exception {
        try (LanguageModel lm = LanguageModel.load(model); Conversation c = lm.newConversation()) {
            Tokenizer tok = lm.tokenizer();
            Completion prompt = c.generate(BEFORE + "<image>" + AFTER, List.<float[][]>of(landscape),
                    SamplingParams.greedy(), 0, t -> { });
            int expectedLength = tok.encode(BEFORE, true, true).length + 144 + tok.encode(AFTER, false, true).length;
            assertThat(prompt.stats().promptTokens()).isEqualTo(expectedLength);
            assertThat(c.position()).isEqualTo(expectedLength);
            float[] viaApi = c.logits(PROBE)[0];

            try (Session s = lm.model().newSession(SessionOptions.DEFAULT)) {
                s.forward(Input.tokens(tok.encode(BEFORE, true, true)), Session.Logits.NONE);
                s.forward(Input.embeddings(flatten(landscape), 144), Session.Logits.NONE);
                s.forward(Input.tokens(tok.encode(AFTER, false, true)), Session.Logits.NONE);
                float[] byHand = s.forward(Input.tokens(PROBE), Session.Logits.LAST);
                assertThat(maxAbsDiff(viaApi, byHand)).isLessThan(1e-3);
            }

            Completion more = c.generate(" Then", SamplingParams.greedy(), TOKENS, t -> { });
            assertThat(more.tokens().length).isLessThanOrEqualTo(TOKENS);
        }
    }

    @Test
    void theImageChangesTheLogitsAndSeveralImagesTakeTheirPlaces() throws Exception {
        try (LanguageModel lm = LanguageModel.load(model)) {
            Tokenizer tok = lm.tokenizer();
            assertThat(maxAbsDiff(lastLogits(lm, tok, landscape), lastLogits(lm, tok, portrait))).isGreaterThan(1e-2);

            try (Conversation c = lm.newConversation()) {
                Completion two = c.generate("<image> and <image>" + AFTER, List.of(landscape, portrait),
                        SamplingParams.greedy(), 2, t -> { });
                assertThat(two.stats().promptTokens()).isEqualTo(1 + 144 + tok.encode(" and ", false, true).length + 144
                        + tok.encode(AFTER, false, true).length);
                assertThat(c.position()).isGreaterThanOrEqualTo(two.stats().promptTokens());
            }
        }
    }

    @Test
    void refusesImagesMadeForAnotherModel() throws Exception {
        try (LanguageModel lm = LanguageModel.load(TestData.path("oracle/text/models/llama_e128-F32.gguf"));
             Conversation c = lm.newConversation()) {
            assertThatThrownBy(() -> c.generate("<image>", List.<float[][]>of(landscape), SamplingParams.greedy(), 1, t -> { }))
                    .hasMessageContaining("width 256 but the language model's n_embd is 128");
        }
    }

    private static float[] lastLogits(LanguageModel lm, Tokenizer tok, float[][] image) {
        try (Session s = lm.model().newSession(SessionOptions.DEFAULT)) {
            s.forward(Input.tokens(tok.encode(BEFORE, true, true)), Session.Logits.NONE);
            s.forward(Input.embeddings(flatten(image), image.length), Session.Logits.NONE);
            return s.forward(Input.tokens(tok.encode(AFTER, false, true)), Session.Logits.LAST);
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static float[] flatten(float[][] rows) {
        float[] flat = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * rows[i].length, rows[i].length);
        }
        return flat;
    }
}
