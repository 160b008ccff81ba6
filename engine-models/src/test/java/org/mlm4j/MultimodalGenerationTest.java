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
import java.util.ArrayList;
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

    @Test
    void theImagePathEqualsFeedingTheEmbeddingsByHand() throws Exception {
        try (LanguageModel lm = LanguageModel.load(model); Conversation c = lm.newConversation()) {
            Completion viaApi = c.generate(BEFORE + "<image>" + AFTER, List.<float[][]>of(landscape),
                    SamplingParams.greedy(), TOKENS, t -> { });
            assertThat(viaApi.stats().promptTokens()).isEqualTo(
                    lm.tokenizer().encode(BEFORE, true, true).length + 144 + lm.tokenizer().encode(AFTER, false, true).length);

            Tokenizer tok = lm.tokenizer();
            try (Session s = lm.model().newSession(SessionOptions.DEFAULT)) {
                s.forward(Input.tokens(tok.encode(BEFORE, true, true)), Session.Logits.NONE);
                s.forward(Input.embeddings(flatten(landscape), 144), Session.Logits.NONE);
                float[] logits = s.forward(Input.tokens(tok.encode(AFTER, false, true)), Session.Logits.LAST);
                assertThat(viaApi.tokens()).containsExactly(greedy(s, logits, tok, viaApi.tokens().length));
            }
        }
    }

    @Test
    void theImageChangesTheLogitsAndSeveralImagesTakeTheirPlaces() throws Exception {
        try (LanguageModel lm = LanguageModel.load(model)) {
            Tokenizer tok = lm.tokenizer();
            float[] withLandscape = lastLogits(lm, tok, landscape);
            float[] withPortrait = lastLogits(lm, tok, portrait);
            double diff = 0;
            for (int i = 0; i < withLandscape.length; i++) {
                diff = Math.max(diff, Math.abs(withLandscape[i] - withPortrait[i]));
            }
            assertThat(diff).isGreaterThan(1e-3);

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

    /** Greedy continuation by hand: argmax (lowest id on ties), stopping where the API stops. */
    private static int[] greedy(Session s, float[] logits, Tokenizer tok, int count) {
        List<Integer> out = new ArrayList<>();
        while (out.size() < count) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            if (tok.isEndOfGeneration(best)) {
                break;
            }
            out.add(best);
            logits = s.forward(Input.tokens(best), Session.Logits.LAST);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static float[] flatten(float[][] rows) {
        float[] flat = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * rows[i].length, rows[i].length);
        }
        return flat;
    }
}
