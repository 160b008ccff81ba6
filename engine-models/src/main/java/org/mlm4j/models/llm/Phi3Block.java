package org.mlm4j.models.llm;

import org.mlm4j.kernels.KvBuffer;

/**
 * The phi-3 block (Abdin et al. 2024): the LLaMA block with fused projections — one
 * {@code attn_qkv} matrix giving [Q | K | V] and one {@code ffn_up} giving [gate ‖ up] — NEOX
 * RoPE, Q pre-scaled by 1/√head_dim, and an optional sliding attention window.
 * <pre>
 *   [q|k|v] = Wqkv·rms(x);  h = x + Wo · attn(rope(q), rope(k), v)
 *   [g|u]   = Wup·rms(h);   x = h + Wdown · (silu(g) ⊙ u)
 * </pre>
 */
final class Phi3Block extends Block {

    Phi3Block(ModelConfig c, DecoderWeights.Layer w) {
        super(c, w);
    }

    @Override
    void forward(Activations a, int n, KvBuffer kv) {
        normalize(w.attnNorm(), a, n);
        project(w.wqkv(), a.xb, a.qkv, n);
        splitQkv(a, n);
        selfAttention(a, n, kv, true);
        project(w.wo(), a.att, a.xb, n);
        addResidual(a, a.xb, n);

        normalize(w.ffnNorm(), a, n);
        project(w.up(), a.xb, a.hb, n);
        int ff = c.feedForwardLength();
        for (int t = 0; t < n; t++) {
            OPS.swiglu(a.hb, t * 2 * ff, a.hb, t * 2 * ff + ff, a.hb2, t * ff, ff);
        }
        project(w.down(), a.hb2, a.xb, n);
        addResidual(a, a.xb, n);
    }
}
