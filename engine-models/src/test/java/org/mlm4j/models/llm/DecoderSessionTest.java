package org.mlm4j.models.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.gguf.GgufWriter;
import org.mlm4j.models.llm.SessionOptions.KvCacheType;
import org.mlm4j.tensor.Dequantize;
import org.mlm4j.tensor.Tensor;
import org.mlm4j.testing.TestData;

/**
 * What a session promises whatever the batching: inputs at consecutive positions, the same logits.
 * Batches of other sizes sum in other orders, so the comparisons use an F32 cache: an F16 one
 * would turn those last-bit differences into fp16 rounding steps.
 */
class DecoderSessionTest {
    private static final int[] PROMPT = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298};

    @TempDir
    Path dir;

    private static CausalLM stories() throws Exception {
        return CausalLM.open(TestData.path("models/stories260K.gguf"));
    }

    @Test
    void smallBatchesAndSingleTokensGiveTheLogitsOfOneBatch() throws Exception {
        try (CausalLM lm = stories();
             Session whole = lm.newSession(SessionOptions.DEFAULT.withKvCacheType(KvCacheType.F32));
             Session batched = lm.newSession(new SessionOptions(0, KvCacheType.F32, 3));
             Session stepped = lm.newSession(SessionOptions.DEFAULT.withKvCacheType(KvCacheType.F32))) {
            float[] expected = whole.forward(Input.tokens(PROMPT), Session.Logits.ALL);
            float[] inBatches = batched.forward(Input.tokens(PROMPT), Session.Logits.ALL);
            assertThat(OracleFiles.maxAbsDiff(inBatches, expected)).isLessThan(1e-5f);
            int v = lm.vocabSize();
            for (int t = 0; t < PROMPT.length; t++) {
                float[] row = stepped.forward(Input.tokens(PROMPT[t]), Session.Logits.LAST);
                assertThat(OracleFiles.maxAbsDiff(row, Arrays.copyOfRange(expected, t * v, (t + 1) * v))).isLessThan(1e-5f);
            }
            assertThat(stepped.position()).isEqualTo(PROMPT.length);
            assertThat(batched.forward(Input.tokens(PROMPT), Session.Logits.NONE)).isEmpty();
            assertThat(batched.position()).isEqualTo(2 * PROMPT.length);
        }
    }

    @Test
    void inputEmbeddingsTakeThePlaceOfTokens() throws Exception {
        try (GgufFile gguf = GgufFile.open(TestData.path("models/stories260K.gguf"));
             CausalLM lm = CausalLM.open(TestData.path("models/stories260K.gguf"));
             Session tokens = lm.newSession(SessionOptions.DEFAULT.withKvCacheType(KvCacheType.F32));
             Session mixed = lm.newSession(SessionOptions.DEFAULT.withKvCacheType(KvCacheType.F32))) {
            Tensor table = gguf.tensor("token_embd.weight");
            int e = lm.embeddingLength();
            float[] rows = new float[4 * e];
            for (int i = 0; i < 4; i++) {
                Dequantize.row(table, PROMPT[3 + i], rows, i * e);
            }
            float[] expected = tokens.forward(Input.tokens(PROMPT), Session.Logits.LAST);
            mixed.forward(Input.tokens(Arrays.copyOfRange(PROMPT, 0, 3)), Session.Logits.NONE);
            mixed.forward(Input.embeddings(rows, 4), Session.Logits.NONE);
            float[] got = mixed.forward(Input.tokens(Arrays.copyOfRange(PROMPT, 7, PROMPT.length)), Session.Logits.LAST);
            assertThat(OracleFiles.maxAbsDiff(got, expected)).isLessThan(1e-4f);
            assertThatThrownBy(() -> mixed.forward(Input.embeddings(new float[2 * e + 2], 2), Session.Logits.LAST))
                    .hasMessageContaining("width");
        }
    }

    @Test
    void resetStartsOverAndTheContextIsEnforced() throws Exception {
        try (CausalLM lm = stories(); Session s = lm.newSession(SessionOptions.DEFAULT.withContextLength(8))) {
            assertThat(s.contextLength()).isEqualTo(8);
            float[] first = s.forward(Input.tokens(1, 403, 407), Session.Logits.LAST);
            assertThatThrownBy(() -> s.forward(Input.tokens(PROMPT), Session.Logits.LAST))
                    .isInstanceOf(ContextFullException.class).hasMessageContaining("context of 8");
            assertThatThrownBy(() -> s.forward(Input.tokens(5, 512), Session.Logits.LAST))
                    .hasMessageContaining("token id 512");
            assertThat(s.position()).isEqualTo(3);
            s.reset();
            assertThat(OracleFiles.maxAbsDiff(s.forward(Input.tokens(1, 403, 407), Session.Logits.LAST), first))
                    .isLessThan(1e-5f);
        }
    }

    @Test
    void phi2WithSeparateQkvMatchesTheFusedFile() throws Exception {
        Path split = dir.resolve("phi2-split.gguf");
        try (GgufFile src = GgufFile.open(OracleFiles.model("phi2_e128-F32"))) {
            GgufWriter w = new GgufWriter().putAll(src.metadata());
            for (Tensor t : src.tensors().values()) {
                String name = t.name();
                if (!name.contains("attn_qkv")) {
                    w.addTensor(t);
                    continue;
                }
                long part = t.shape()[t.rank() - 1] / 3;
                long rowBytes = t.rank() == 1 ? 4 : t.rowBytes();
                long[] shape = t.rank() == 1 ? new long[] {part} : new long[] {t.ne(0), part};
                String[] names = {"attn_q", "attn_k", "attn_v"};
                for (int i = 0; i < 3; i++) {
                    long offset = i * part * rowBytes;
                    w.addTensor(name.replace("attn_qkv", names[i]), t.type(), shape,
                            sink -> sink.write(t.data().asSlice(offset, part * rowBytes)));
                }
            }
            w.write(split);
        }
        int[] prompt = OracleFiles.intArray(OracleFiles.manifest("phi2_e128-F32"), "prompt_ids");
        float[] fused;
        float[] separate;
        try (CausalLM lm = CausalLM.open(OracleFiles.model("phi2_e128-F32"));
             Session s = lm.newSession(new SessionOptions(128, KvCacheType.F32, 512))) {
            fused = s.forward(Input.tokens(prompt), Session.Logits.ALL);
        }
        try (CausalLM lm = CausalLM.open(split); Session s = lm.newSession(new SessionOptions(128, KvCacheType.F32, 512))) {
            separate = s.forward(Input.tokens(prompt), Session.Logits.ALL);
        }
        assertThat(OracleFiles.maxAbsDiff(separate, fused)).isLessThan(1e-4f);
        assertThat(OracleFiles.maxAbsDiff(separate, OracleFiles.logits("phi2_e128-F32.kvf32.bin"))).isLessThan(2e-3f);
    }
}
