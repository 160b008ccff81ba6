package org.mlm4j.models.llm;

import org.mlm4j.kernels.KvBuffer;

/**
 * The phi-2 block (Microsoft 2023, GPT-J style parallel block): attention and MLP both read the
 * same LayerNorm output and both add to the residual stream. Q/K/V come from one fused
 * {@code attn_qkv} (+ bias) or three separate projections (+ biases); RoPE (NEOX) rotates only the
 * first {@code rope.dimension_count} dimensions of each head; Q is pre-scaled by 1/√head_dim.
 * <pre>
 *   n = LayerNorm(x)
 *   x = x + (Wo · attn(rope(Wq n + bq), rope(Wk n + bk), Wv n + bv) + bo)
 *         + (Wdown · gelu(Wup n + bup) + bdown)
 * </pre>
 */
final class Phi2Block extends Block {

    Phi2Block(ModelConfig c, DecoderWeights.Layer w) {
        super(c, w);
    }

    @Override
    void forward(Activations a, int n, KvBuffer kv) {
        normalize(w.attnNorm(), a, n);
        if (w.wqkv() != null) {
            project(w.wqkv(), a.xb, a.qkv, n);
            splitQkv(a, n);
        } else {
            project(w.wq(), a.xb, a.q, n);
            project(w.wk(), a.xb, a.k, n);
            project(w.wv(), a.xb, a.v, n);
        }
        selfAttention(a, n, kv, true);

        project(w.up(), a.xb, a.hb, n);
        OPS.gelu(a.hb, 0, a.hb, 0, n * c.feedForwardLength());
        project(w.down(), a.hb, a.xb2, n);

        project(w.wo(), a.att, a.xb, n);
        OPS.add(a.xb, 0, a.xb2, 0, a.xb, 0, n * c.embeddingLength());
        addResidual(a, a.xb, n);
    }
}
