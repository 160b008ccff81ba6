package org.mlm4j.kernels;

/**
 * Exact (two-pass softmax) multi-head attention over a {@link KvBuffer}, as llama.cpp computes it
 * without flash attention: {@code KQ = K·q}, {@code soft_max_ext(KQ, mask, scale)},
 * {@code KQV = V·softmax}.
 *
 * <p>Layouts: {@code q} holds {@code nTokens} rows at stride {@code qStride}, each starting with
 * {@code nHeads} heads of {@code headDim} floats (head h at {@code h·headDim}); token t is at
 * absolute position {@code firstPosition + t}. {@code out} receives {@code nTokens} rows at stride
 * {@code outStride} in the same head layout. GQA: with {@code g = nHeads / kv.nKvHeads()}, query
 * head h reads KV head {@code h / g} (KV head j serves query heads {@code j·g … j·g + g − 1}).
 *
 * <p>For query head h of token t and each visible position p ({@link AttentionMask}):
 * {@code s_p = scale · Σ_d q[d]·k_p[d]}; {@code w = exp(s − max s) / Σ exp} (sum in double, applied
 * as {@code (float)(1/sum)}); {@code out[d] = Σ_p w_p · v_p[d]}. With an F16 buffer, as ggml's F16
 * matmuls: q is rounded to F16 before the dot products and the weights w are rounded to F16 before
 * the weighted sum. An F32 buffer (or a {@link KvBuffer#wrap} view) computes all in F32.
 *
 * <p>Both prefill (many tokens, the K/V of all of them already {@link KvBuffer#put}) and one-token
 * decode go through the same call. {@code out} must not overlap {@code q}.
 */
public interface AttentionKernels {

    void attention(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition,
                   KvBuffer kv, AttentionMask mask, float scale, float[] out, int outOffset, int outStride);
}
