package org.mlm4j.models.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.mlm4j.kernels.AttentionSpec;
import org.mlm4j.models.llm.SessionOptions.KvCacheType;
import org.mlm4j.testing.TestData;

/**
 * The attention hook in the decoder, on the real stories260K (context 512): a sliding window with
 * sinks runs far past a small context in a fixed-size KV ring, and computes what the same window
 * over a cache that never wraps computes; linear attention does the same with its running sums;
 * the other approximations run through a session.
 */
class StreamingAttentionTest {
    private static final int CONTEXT = 32;
    private static final int TOKENS = 300;

    /** Decodes a fixed token sequence one token at a time; returns every step's logits, concatenated. */
    private static float[] decode(Session session, int vocab, int steps) {
        float[] all = new float[steps * vocab];
        for (int s = 0; s < steps; s++) {
            float[] logits = session.forward(Input.tokens(1 + (s * 37) % 500), Session.Logits.LAST);
            System.arraycopy(logits, 0, all, s * vocab, vocab);
        }
        return all;
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void windowWithSinksRunsPastTheContextInFixedMemory() throws Exception {
        AttentionSpec window = AttentionSpec.parse("window:16,sinks:4");
        try (CausalLM lm = CausalLM.open(TestData.path("models/stories260K.gguf"))) {
            SessionOptions small = new SessionOptions(CONTEXT, KvCacheType.F16, 1).withAttention(window);
            SessionOptions large = new SessionOptions(512, KvCacheType.F16, 512).withAttention(window);
            try (Session ring = lm.newSession(small); Session wide = lm.newSession(large)) {
                DecoderSession s = (DecoderSession) ring;
                long bytes = s.kvCache(0).storageBytes();
                assertThat(s.kvCache(0).capacity()).isEqualTo(4 + 16);
                float[] streamed = decode(ring, lm.vocabSize(), TOKENS);
                assertThat(ring.position()).isEqualTo(TOKENS).isGreaterThan(CONTEXT);
                assertThat(s.kvCache(0).storageBytes()).isEqualTo(bytes);
                assertThat(s.kvCache(0).oldestStored()).isEqualTo(TOKENS - 16);
                // the wide session's ring (4 + 16 + 511 rows) never wraps within 300 tokens
                // the same arithmetic; only the Vector API's exp may differ by an ulp between JIT tiers
                assertThat(decode(wide, lm.vocabSize(), TOKENS)).containsExactly(streamed, within(1e-3f));
            }
            try (Session exact = lm.newSession(new SessionOptions(CONTEXT, KvCacheType.F16, 1))) {
                assertThatThrownBy(() -> decode(exact, lm.vocabSize(), CONTEXT + 1)).isInstanceOf(ContextFullException.class);
            }
        }
    }

    @Test
    void linearAttentionCarriesItsStatePastTheContextInFixedMemory() throws Exception {
        try (CausalLM lm = CausalLM.open(TestData.path("models/stories260K.gguf"))) {
            int vocab = lm.vocabSize();
            int[] tokens = new int[TOKENS];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = 1 + (i * 37) % 500;
            }
            for (String spec : new String[] {"linear:elu", "linear:favor:32"}) {
                AttentionSpec linear = AttentionSpec.parse(spec);
                float[] prefill;
                try (Session wide = lm.newSession(new SessionOptions(512, KvCacheType.F16, 512).withAttention(linear))) {
                    prefill = wide.forward(Input.tokens(tokens), Session.Logits.ALL);
                }
                try (Session s = lm.newSession(new SessionOptions(CONTEXT, KvCacheType.F16, 8).withAttention(linear))) {
                    assertThat(s.contextLength()).as(spec).isEqualTo(Integer.MAX_VALUE);
                    assertThat(((DecoderSession) s).kvCache(0).capacity()).as("rows stored").isZero();
                    long bytes = s.stateBytes();
                    float[] streamed = new float[TOKENS * vocab];
                    // a 20-token prompt in batches of 8, then one token per call, far past the context of 32
                    int prompt = 20;
                    System.arraycopy(s.forward(Input.tokens(Arrays.copyOf(tokens, prompt)), Session.Logits.ALL),
                            0, streamed, 0, prompt * vocab);
                    for (int p = prompt; p < TOKENS; p++) {
                        System.arraycopy(s.forward(Input.tokens(tokens[p]), Session.Logits.LAST), 0, streamed, p * vocab, vocab);
                    }
                    assertThat(s.position()).isEqualTo(TOKENS);
                    assertThat(s.stateBytes()).as(spec).isEqualTo(bytes);
                    assertThat(streamed).as(spec).containsExactly(prefill, within(1e-3f));
                    s.reset();
                    assertThat(s.forward(Input.tokens(tokens[0]), Session.Logits.LAST)).as(spec)
                            .containsExactly(Arrays.copyOf(prefill, vocab), within(1e-3f));
                }
            }
        }
    }

    @Test
    void everyApproximationRunsPrefillAndDecode() throws Exception {
        try (CausalLM lm = CausalLM.open(TestData.path("models/stories260K.gguf"))) {
            int[] prompt = new int[40];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = 1 + (i * 37) % 500;
            }
            for (String spec : new String[] {"block:8,stride:2", "linear:elu", "linear:favor:32", "window:8,sinks:2"}) {
                try (Session s = lm.newSession(new SessionOptions(64, KvCacheType.F32, 16)
                        .withAttention(AttentionSpec.parse(spec)))) {
                    float[] logits = s.forward(Input.tokens(prompt), Session.Logits.LAST);
                    float[] next = s.forward(Input.tokens(argmax(logits)), Session.Logits.LAST);
                    assertThat(next).as(spec).hasSize(lm.vocabSize());
                    for (float v : next) {
                        assertThat(Float.isFinite(v)).as(spec).isTrue();
                    }
                }
            }
        }
    }
}
