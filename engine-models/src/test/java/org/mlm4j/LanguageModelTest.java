package org.mlm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.mlm4j.models.llm.ContextFullException;
import org.mlm4j.models.sampling.SamplingParams;
import org.mlm4j.testing.TestData;

/** The Java API: loading from several threads, one conversation per thread, context and streaming. */
class LanguageModelTest {

    @Test
    void modelsLoadedAndConversationsRunConcurrentlyGiveTheSequentialText() throws Exception {
        String expected;
        try (LanguageModel lm = LanguageModel.demo(LanguageModel.Options.defaults())) {
            expected = lm.generate("Lily and Tom", SamplingParams.greedy(), 24, s -> { }).text();
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (LanguageModel shared = LanguageModel.load(TestData.path("models/stories260K.gguf"))) {
            List<Future<String>> texts = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                boolean ownModel = i % 2 == 0;
                texts.add(pool.submit(() -> {
                    if (!ownModel) {
                        return shared.generate("Lily and Tom", SamplingParams.greedy(), 24, s -> { }).text();
                    }
                    try (LanguageModel own = LanguageModel.load(TestData.path("models/stories260K.gguf"))) {
                        return own.generate("Lily and Tom", SamplingParams.greedy(), 24, s -> { }).text();
                    }
                }));
            }
            for (Future<String> t : texts) {
                assertThat(t.get()).isEqualTo(expected).isNotBlank();
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void anEmptyPromptContinuesWhereTheLastCallStopped() throws Exception {
        try (LanguageModel lm = LanguageModel.demo(LanguageModel.Options.defaults())) {
            String whole = lm.generate("Once upon a time", SamplingParams.greedy(), 40, s -> { }).text();
            try (Conversation c = lm.newConversation()) {
                String first = c.generate("Once upon a time", SamplingParams.greedy(), 25, s -> { }).text();
                String rest = c.generate("", SamplingParams.greedy(), 15, s -> { }).text();
                assertThat(first + rest).isEqualTo(whole);
            }
        }
    }

    @Test
    void streamedPiecesMakeTheTextAndTheContextIsKept() throws Exception {
        try (LanguageModel lm = LanguageModel.demo(LanguageModel.Options.defaults().withContextLength(64));
             Conversation c = lm.newConversation()) {
            StringBuilder streamed = new StringBuilder();
            Completion first = c.generate("Once upon a time", SamplingParams.greedy(), 20, streamed::append);
            assertThat(streamed.toString()).isEqualTo(first.text());
            assertThat(first.tokens()).hasSize(20);
            assertThat(c.position()).isEqualTo(5 + 20);
            assertThat(c.contextLength()).isEqualTo(64);
            Completion rest = c.generate("", SamplingParams.greedy(), 100, s -> { });
            assertThat(rest.stats().stop().name()).isEqualTo("CONTEXT_FULL");
            assertThat(c.position()).isEqualTo(64);
            assertThatThrownBy(() -> c.generate("more", SamplingParams.greedy(), 1, s -> { }))
                    .isInstanceOf(ContextFullException.class);
        }
    }
}
