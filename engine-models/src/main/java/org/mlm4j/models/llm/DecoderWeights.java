package org.mlm4j.models.llm;

import java.util.Arrays;
import java.util.List;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.models.llm.ModelConfig.Architecture;
import org.mlm4j.tensor.Dequantize;
import org.mlm4j.tensor.Tensor;

/**
 * The tensors of a LLaMA / phi-2 / phi-3 GGUF file, bound by llama.cpp's names and checked
 * against the {@link ModelConfig} shapes. Matrices stay mapped in place; the small 1-D norm
 * weights and biases are copied to float arrays.
 *
 * @param tokenEmbedding {@code token_embd} [n_embd, n_vocab]
 * @param outputNorm     final norm weight [n_embd] (+ bias for phi-2's LayerNorm)
 * @param output         LM head [n_embd, n_vocab] (+ bias for phi-2); {@code token_embd} when tied
 * @param layers         one entry per block
 */
public record DecoderWeights(Tensor tokenEmbedding, Norm outputNorm, Linear output, Layer[] layers) {

    /** A norm's weight and optional bias (LayerNorm), each [n_embd]. */
    public record Norm(float[] weight, float[] bias) {
    }

    /**
     * One block. Attention projections come as separate {@code wq, wk, wv} or as one fused
     * {@code wqkv} [n_embd, q_dim + 2·kv_dim] (the other form is {@code null}). The MLP is
     * {@code down(act(gate x) ⊙ up x)} for llama, with gate‖up fused in {@code up} [n_embd, 2·n_ff]
     * for phi-3 ({@code gate == null}), and {@code down(gelu(up x))} for phi-2. {@code ffnNorm}
     * is {@code null} for phi-2, whose attention and MLP read the same normed input.
     */
    public record Layer(Norm attnNorm, Linear wq, Linear wk, Linear wv, Linear wqkv, Linear wo,
                        Norm ffnNorm, Linear gate, Linear up, Linear down) {
    }

    static DecoderWeights bind(GgufFile gguf, ModelConfig c) {
        for (String factors : List.of("rope_freqs.weight", "rope_factors_long.weight", "rope_factors_short.weight")) {
            if (gguf.hasTensor(factors)) {
                throw new InvalidModelException("per-dimension RoPE frequency factors ('" + factors
                        + "': LLaMA-3.1 / Phi-3 128k long-context RoPE) are not supported");
            }
        }
        Binder b = new Binder(gguf);
        Architecture arch = c.architecture();
        int e = c.embeddingLength();
        int v = c.vocabSize();
        boolean layerNorm = arch == Architecture.PHI2;
        Tensor embd = b.matrix("token_embd.weight", e, v);
        Linear output = arch == Architecture.LLAMA && !gguf.hasTensor("output.weight")
                ? new Linear(embd, null)
                : b.linear("output", e, v, arch == Architecture.PHI2);
        Norm outputNorm = b.norm("output_norm", e, layerNorm);
        Layer[] layers = new Layer[c.blockCount()];
        int q = c.queryDim();
        int kv = c.kvDim();
        int ff = c.feedForwardLength();
        for (int i = 0; i < layers.length; i++) {
            String p = "blk." + i + ".";
            boolean fused = gguf.hasTensor(p + "attn_qkv.weight");
            boolean biases = arch == Architecture.PHI2;
            Linear wqkv = fused ? b.linear(p + "attn_qkv", e, q + 2 * kv, biases) : null;
            Linear wq = fused ? null : b.linear(p + "attn_q", e, q, biases);
            Linear wk = fused ? null : b.linear(p + "attn_k", e, kv, biases);
            Linear wv = fused ? null : b.linear(p + "attn_v", e, kv, biases);
            if (fused && arch == Architecture.LLAMA) {
                throw new InvalidModelException("llama model with a fused attn_qkv tensor in " + p + "*");
            }
            Linear wo = b.linear(p + "attn_output", q, e, biases);
            Norm attnNorm = b.norm(p + "attn_norm", e, layerNorm);
            layers[i] = switch (arch) {
                case LLAMA -> new Layer(attnNorm, wq, wk, wv, null, wo, b.norm(p + "ffn_norm", e, false),
                        b.linear(p + "ffn_gate", e, ff, false), b.linear(p + "ffn_up", e, ff, false),
                        b.linear(p + "ffn_down", ff, e, false));
                case PHI2 -> new Layer(attnNorm, wq, wk, wv, wqkv, wo, null, null,
                        b.linear(p + "ffn_up", e, ff, true), b.linear(p + "ffn_down", ff, e, true));
                case PHI3 -> {
                    if (!fused) {
                        throw new InvalidModelException("phi3 model without " + p + "attn_qkv.weight");
                    }
                    yield new Layer(attnNorm, null, null, null, wqkv, wo, b.norm(p + "ffn_norm", e, false), null,
                            b.linear(p + "ffn_up", e, 2 * ff, false), b.linear(p + "ffn_down", ff, e, false));
                }
            };
        }
        return new DecoderWeights(embd, outputNorm, output, layers);
    }

    /** Finds tensors by name and checks their shapes and types. */
    private record Binder(GgufFile gguf) {

        Tensor tensor(String name, long... shape) {
            if (!gguf.hasTensor(name)) {
                throw new InvalidModelException("missing tensor '" + name + "'");
            }
            Tensor t = gguf.tensor(name);
            if (!Arrays.equals(t.shape(), shape)) {
                throw new InvalidModelException("tensor '" + name + "' has wrong shape; expected "
                        + Arrays.toString(shape) + ", got " + Arrays.toString(t.shape()));
            }
            t.type().requireComputable("tensor '" + name + "'");
            return t;
        }

        Tensor matrix(String name, int in, int out) {
            return tensor(name, in, out);
        }

        /** A bias is read when present, and must be present when {@code biasRequired}. */
        Linear linear(String prefix, int in, int out, boolean biasRequired) {
            boolean bias = biasRequired || gguf.hasTensor(prefix + ".bias");
            return new Linear(matrix(prefix + ".weight", in, out), bias ? vector(prefix + ".bias", out) : null);
        }

        Norm norm(String prefix, int n, boolean bias) {
            return new Norm(vector(prefix + ".weight", n), bias ? vector(prefix + ".bias", n) : null);
        }

        float[] vector(String name, int n) {
            return Dequantize.toFloatArray(tensor(name, n));
        }
    }
}
