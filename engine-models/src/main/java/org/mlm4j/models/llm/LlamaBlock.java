package org.mlm4j.models.llm;

import org.mlm4j.kernels.KvBuffer;

/**
 * The LLaMA block (Touvron et al. 2023; MobileLLaMA, TinyLlama): pre-RMSNorm residual attention
 * with RoPE on adjacent pairs and grouped KV heads, then a pre-RMSNorm SwiGLU MLP.
 * <pre>
 *   h = x + Wo · attn(rope(Wq·rms(x)), rope(Wk·rms(x)), Wv·rms(x))
 *   x = h + Wdown · (silu(Wgate·rms(h)) ⊙ Wup·rms(h))
 * </pre>
 */
final class LlamaBlock extends Block {

    LlamaBlock(ModelConfig c, DecoderWeights.Layer w) {
        super(c, w);
    }

    @Override
    void forward(Activations a, int n, KvBuffer kv) {
        normalize(w.attnNorm(), a, n);
        project(w.wq(), a.xb, a.q, n);
        project(w.wk(), a.xb, a.k, n);
        project(w.wv(), a.xb, a.v, n);
        selfAttention(a, n, kv, false);
        project(w.wo(), a.att, a.xb, n);
        addResidual(a, a.xb, n);

        normalize(w.ffnNorm(), a, n);
        project(w.gate(), a.xb, a.hb, n);
        project(w.up(), a.xb, a.hb2, n);
        OPS.swiglu(a.hb, 0, a.hb2, 0, a.hb, 0, n * c.feedForwardLength());
        project(w.down(), a.hb, a.xb, n);
        addResidual(a, a.xb, n);
    }
}
