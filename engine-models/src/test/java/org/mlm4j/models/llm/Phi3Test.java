package org.mlm4j.models.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.gguf.GgufType;
import org.mlm4j.gguf.GgufWriter;
import org.mlm4j.models.llm.SessionOptions.KvCacheType;
import org.mlm4j.tensor.Tensor;

/**
 * There is no phi-3 oracle model, so one is built from the llama oracle's weights: Q and K rows
 * fused into {@code attn_qkv} with V, gate and up fused into {@code ffn_up}, and the rows of each
 * Q/K head reordered so that phi-3's NEOX RoPE (pairs {@code (i, i + d/2)}) rotates exactly the
 * values llama's NORMAL RoPE (pairs {@code (2i, 2i+1)}) rotates. Q·K is unchanged by the common
 * reordering, so the phi-3 model must give llama.cpp's llama logits, up to phi-3 pre-scaling Q.
 */
class Phi3Test {
    private static final String LLAMA = "llama_e128-F32";

    @TempDir
    Path dir;

    @Test
    void fusedNeoxPhi3MatchesTheEquivalentLlama() throws Exception {
        Path phi3 = dir.resolve("phi3.gguf");
        writePhi3FromLlama(OracleFiles.model(LLAMA), phi3, 0);
        int[] prompt = OracleFiles.intArray(OracleFiles.manifest(LLAMA), "prompt_ids");
        try (CausalLM lm = CausalLM.open(phi3);
             Session session = lm.newSession(new SessionOptions(128, KvCacheType.F32, 512))) {
            assertThat(lm.architecture()).isEqualTo("phi3");
            float[] logits = session.forward(Input.tokens(prompt), Session.Logits.ALL);
            assertThat(OracleFiles.maxAbsDiff(logits, OracleFiles.logits(LLAMA + ".kvf32.bin"))).isLessThan(2e-4f);
        }
    }

    @Test
    void slidingWindowOnlyChangesPositionsPastTheWindow() throws Exception {
        int window = 8;
        Path full = dir.resolve("full.gguf");
        Path windowed = dir.resolve("windowed.gguf");
        writePhi3FromLlama(OracleFiles.model(LLAMA), full, 0);
        writePhi3FromLlama(OracleFiles.model(LLAMA), windowed, window);
        int[] prompt = OracleFiles.intArray(OracleFiles.manifest(LLAMA), "prompt_ids");
        float[] a = logits(full, prompt);
        float[] b = logits(windowed, prompt);
        int vocab = a.length / prompt.length;
        for (int t = 0; t < prompt.length; t++) {
            float d = 0;
            for (int i = t * vocab; i < (t + 1) * vocab; i++) {
                d = Math.max(d, Math.abs(a[i] - b[i]));
            }
            if (t < window) {
                assertThat(d).as("position %d sees all of its past", t).isLessThan(1e-5f);
            } else {
                assertThat(d).as("position %d sees only the last %d", t, window).isGreaterThan(1e-3f);
            }
        }
    }

    @Test
    void aPhi3FileWithoutSlidingWindowIsRejectedAsLlamaCppDoes() throws Exception {
        Path phi3 = dir.resolve("noswa.gguf");
        writePhi3FromLlama(OracleFiles.model(LLAMA), phi3, -1);
        assertThatThrownBy(() -> CausalLM.open(phi3)).isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("sliding_window");
    }

    private static float[] logits(Path model, int[] prompt) throws Exception {
        try (CausalLM lm = CausalLM.open(model);
             Session session = lm.newSession(new SessionOptions(128, KvCacheType.F32, 512))) {
            return session.forward(Input.tokens(prompt), Session.Logits.ALL);
        }
    }

    /** Rewrites a llama F32 file as phi-3; {@code window < 0} leaves out the sliding-window key. */
    static void writePhi3FromLlama(Path llama, Path out, int window) throws Exception {
        try (GgufFile src = GgufFile.open(llama)) {
            var md = src.metadata();
            GgufWriter w = new GgufWriter();
            for (String key : md.keys()) {
                String k = key.startsWith("llama.") ? "phi3." + key.substring("llama.".length()) : key;
                w.put(k, md.type(key), md.get(key));
            }
            w.put("general.architecture", "phi3");
            if (window >= 0) {
                w.put("phi3.attention.sliding_window", GgufType.UINT32, window);
            }
            int headDim = md.getInt("llama.embedding_length") / md.getInt("llama.attention.head_count");
            for (Tensor t : src.tensors().values()) {
                String name = t.name();
                if (name.endsWith("attn_q.weight") || name.endsWith("attn_v.weight") || name.endsWith("ffn_gate.weight")) {
                    continue;
                }
                String layer = name.substring(0, name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
                if (name.endsWith("attn_k.weight")) {
                    Tensor q = src.tensor(layer + "attn_q.weight");
                    Tensor v = src.tensor(layer + "attn_v.weight");
                    w.addTensor(layer + "attn_qkv.weight", t.type(), new long[] {t.ne(0), q.rows() + t.rows() + v.rows()},
                            sink -> {
                                writeNeoxOrder(sink, q, headDim);
                                writeNeoxOrder(sink, t, headDim);
                                sink.write(v.data());
                            });
                } else if (name.endsWith("ffn_up.weight")) {
                    Tensor gate = src.tensor(layer + "ffn_gate.weight");
                    w.addTensor(name, t.type(), new long[] {t.ne(0), 2 * t.rows()}, sink -> {
                        sink.write(gate.data());
                        sink.write(t.data());
                    });
                } else {
                    w.addTensor(t);
                }
            }
            w.write(out);
        }
    }

    /** Rows of each head in the order (0, 2, 4, …, 1, 3, 5, …): NORMAL pairs become NEOX pairs. */
    private static void writeNeoxOrder(GgufWriter.Sink sink, Tensor t, int headDim) throws java.io.IOException {
        for (long head = 0; head < t.rows() / headDim; head++) {
            for (int parity = 0; parity < 2; parity++) {
                for (int i = parity; i < headDim; i += 2) {
                    MemorySegment row = t.row(head * headDim + i);
                    sink.write(row);
                }
            }
        }
    }
}
