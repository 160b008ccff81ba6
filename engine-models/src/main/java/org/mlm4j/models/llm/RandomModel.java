package org.mlm4j.models.llm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.mlm4j.gguf.GgufArray;
import org.mlm4j.gguf.GgufType;
import org.mlm4j.gguf.GgufWriter;
import org.mlm4j.models.llm.ModelConfig.Architecture;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Quantize;

/**
 * Writes a model with random weights at the dimensions of a real one, for speed measurements:
 * the same tensors, types and metadata a converted file has, so the engine runs it exactly as it
 * would the real model (the text it produces is meaningless). Matrices are uniform with the
 * variance of N(0, 1/in) and quantized with the reference quantizers; norms are 1, biases 0. The
 * vocabulary is a placeholder SentencePiece one (special tokens, 256 byte tokens, then
 * {@code ▁tN}).
 */
public final class RandomModel {

    /** The shape of a model family: what {@code make-model --dims NAME} means. */
    public record Dims(String name, Architecture architecture, int embd, int layers, int ff, int heads, int headsKv,
                       int vocab, int context, int ropeDims) {

        /** Real models' dimensions (from their config.json / GGUF metadata). */
        public static final List<Dims> KNOWN = List.of(
                new Dims("mobilellama-1.4b", Architecture.LLAMA, 2048, 24, 5632, 16, 16, 32000, 2048, 128),
                new Dims("mobilellama-2.7b", Architecture.LLAMA, 2560, 32, 6912, 32, 32, 32000, 2048, 80),
                new Dims("tinyllama-1.1b", Architecture.LLAMA, 2048, 22, 5632, 32, 4, 32000, 2048, 64),
                new Dims("phi-2", Architecture.PHI2, 2560, 32, 10240, 32, 32, 51200, 2048, 32),
                new Dims("phi-3-mini", Architecture.PHI3, 3072, 32, 8192, 32, 32, 32064, 4096, 96),
                new Dims("tiny", Architecture.LLAMA, 64, 2, 192, 8, 4, 512, 256, 8),
                // about mamba-130m's parameter count with its vocabulary, to set a KV cache's growth
                // beside Mamba's flat state (bench model -d)
                new Dims("llama-130m", Architecture.LLAMA, 768, 12, 1536, 12, 12, 50280, 16384, 64),
                // n_embd of the oracle LDPv2 mmproj (testdata/oracle/vision), for the multimodal path
                new Dims("vision-256", Architecture.LLAMA, 256, 8, 768, 8, 8, 2048, 1024, 32));

        public static Dims byName(String name) {
            for (Dims d : KNOWN) {
                if (d.name.equals(name)) {
                    return d;
                }
            }
            throw new IllegalArgumentException("unknown dims '" + name + "' (known: "
                    + String.join(", ", KNOWN.stream().map(Dims::name).toList()) + ")");
        }

        /** These dimensions with another architecture's block (e.g. llama dims as phi3). */
        public Dims as(Architecture arch) {
            return new Dims(name, arch, embd, layers, ff, heads, headsKv, vocab, context, ropeDims);
        }
    }

    private RandomModel() {
    }

    /** Writes a random model of {@code dims} with matrices of {@code type} to {@code out}. */
    public static void write(Dims d, GgmlType type, long seed, Path out) throws IOException {
        if (d.embd % type.blockSize != 0 || d.ff % type.blockSize != 0) {
            throw new IllegalArgumentException("n_embd " + d.embd + " and n_ff " + d.ff + " must be multiples of the "
                    + type.ggmlName() + " block size " + type.blockSize);
        }
        String a = d.architecture.ggufName + ".";
        GgufWriter w = new GgufWriter()
                .put("general.architecture", d.architecture.ggufName)
                .put("general.name", "random " + d.name + " " + type.ggmlName())
                .put(a + "context_length", GgufType.UINT32, d.context)
                .put(a + "embedding_length", GgufType.UINT32, d.embd)
                .put(a + "block_count", GgufType.UINT32, d.layers)
                .put(a + "feed_forward_length", GgufType.UINT32, d.ff)
                .put(a + "attention.head_count", GgufType.UINT32, d.heads)
                .put(a + "attention.head_count_kv", GgufType.UINT32, d.headsKv)
                .put(a + "rope.dimension_count", GgufType.UINT32, d.ropeDims)
                .put(a + d.architecture.epsKey, 1e-5f);
        if (d.architecture == Architecture.PHI3) {
            w.put(a + "attention.sliding_window", GgufType.UINT32, 0);
        }
        putVocabulary(w, d.vocab);
        SplittableRandom random = new SplittableRandom(seed);
        int e = d.embd;
        int kv = d.headsKv * (e / d.heads);
        boolean phi2 = d.architecture == Architecture.PHI2;
        matrix(w, "token_embd.weight", type, e, d.vocab, random);
        vector(w, "output_norm.weight", e, 1f);
        matrix(w, "output.weight", type, e, d.vocab, random);
        if (phi2) {
            vector(w, "output_norm.bias", e, 0f);
            vector(w, "output.bias", d.vocab, 0f);
        }
        for (int i = 0; i < d.layers; i++) {
            String p = "blk." + i + ".";
            vector(w, p + "attn_norm.weight", e, 1f);
            if (d.architecture == Architecture.LLAMA) {
                matrix(w, p + "attn_q.weight", type, e, e, random);
                matrix(w, p + "attn_k.weight", type, e, kv, random);
                matrix(w, p + "attn_v.weight", type, e, kv, random);
            } else {
                matrix(w, p + "attn_qkv.weight", type, e, e + 2 * kv, random);
            }
            matrix(w, p + "attn_output.weight", type, e, e, random);
            matrix(w, p + "ffn_up.weight", type, e, d.architecture == Architecture.PHI3 ? 2 * d.ff : d.ff, random);
            matrix(w, p + "ffn_down.weight", type, d.ff, e, random);
            if (phi2) {
                vector(w, p + "attn_norm.bias", e, 0f);
                vector(w, p + "attn_qkv.bias", e + 2 * kv, 0f);
                vector(w, p + "attn_output.bias", e, 0f);
                vector(w, p + "ffn_up.bias", d.ff, 0f);
                vector(w, p + "ffn_down.bias", e, 0f);
            } else {
                vector(w, p + "ffn_norm.weight", e, 1f);
            }
            if (d.architecture == Architecture.LLAMA) {
                matrix(w, p + "ffn_gate.weight", type, e, d.ff, random);
            }
        }
        w.write(out);
    }

    /** A placeholder SentencePiece vocabulary of {@code vocab} tokens, for models that only need ids. */
    public static void putVocabulary(GgufWriter w, int vocab) {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        int[] types = new int[vocab];
        types[0] = 2;
        types[1] = 3;
        types[2] = 3;
        for (int b = 0; b < 256 && tokens.size() < vocab; b++) {
            types[tokens.size()] = 6;
            tokens.add(String.format(Locale.ROOT, "<0x%02X>", b));
        }
        while (tokens.size() < vocab) {
            types[tokens.size()] = 1;
            tokens.add("\u2581t" + tokens.size());
        }
        float[] scores = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            scores[i] = -i;
        }
        w.put("tokenizer.ggml.model", "llama")
                .put("tokenizer.ggml.tokens", GgufArray.ofStrings(tokens.toArray(String[]::new)))
                .put("tokenizer.ggml.scores", GgufArray.ofFloats(scores))
                .put("tokenizer.ggml.token_type", GgufArray.ofInts(types))
                .put("tokenizer.ggml.bos_token_id", GgufType.UINT32, 1)
                .put("tokenizer.ggml.eos_token_id", GgufType.UINT32, 2)
                .put("tokenizer.ggml.unknown_token_id", GgufType.UINT32, 0);
    }

    /** A [in, out] matrix, uniform with variance 1/in, produced one row at a time while writing. */
    public static void matrix(GgufWriter w, String name, GgmlType type, int in, int out, SplittableRandom parent) {
        SplittableRandom random = parent.split();
        float bound = (float) Math.sqrt(3.0 / in);
        w.addTensor(name, type, new long[] {in, out}, sink -> {
            float[] row = new float[in];
            for (int r = 0; r < out; r++) {
                for (int i = 0; i < in; i++) {
                    row[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                }
                if (type.isQuantized()) {
                    sink.write(Quantize.toBytes(type, row, 0, in));
                } else {
                    sink.writeFloats(type, row, 0, in);
                }
            }
        });
    }

    /** An F32 vector of {@code n} copies of {@code value}. */
    public static void vector(GgufWriter w, String name, int n, float value) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, value);
        w.addTensor(name, GgmlType.F32, new long[] {n}, v);
    }
}
