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

    /**
     * The same attention, arguments and layouts as {@link #attention}, as a tiled online softmax
     * (Dao et al. 2022, "FlashAttention", on a CPU): key tiles are scored against a tile of query
     * rows, and each row keeps a running max m, a running sum l and an output accumulator,
     * rescaled by {@code exp(m_old − m_new)} when the max grows; the output is the accumulator
     * × {@code (float)(1/l)}. No row of n scores and no n×n matrix is ever held, and tiles no
     * query sees under a sparse mask (window, sinks, blocks) are never read. With an F16 buffer
     * the query is rounded to F16 as in {@link #attention}, but the unnormalised weights are
     * not (they are not probabilities yet): the result equals {@link #attention} within F16
     * rounding of the probabilities, and F32 results within float rounding.
     */
    void flashAttention(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition,
                        KvBuffer kv, AttentionMask mask, float scale, float[] out, int outOffset, int outStride);

    /**
     * Linear attention (Katharopoulos et al. 2020) with the feature map {@code features}: for the
     * query of head h at position t, {@code out = Σ_p φ(q)·φ(k_p) v_p / Σ_p φ(q)·φ(k_p)} over
     * {@code p ≤ t} with {@code causal}, else over every stored position; KV head as in
     * {@link #attention}. Computed as running sums {@code S = Σ φ(k_p) v_pᵀ} (M×d) and
     * {@code z = Σ φ(k_p)} per KV head, so the cost is O((positions + queries)·M·d), not
     * O(positions·queries·d). F16 buffers are read as their float values. A {@link KvBuffer#linear}
     * buffer carries the sums of the positions before {@code firstPosition} in its
     * {@link LinearAttentionState}: only the batch's keys are read and added (causal only), so
     * token-by-token decode computes what one prefill over all positions computes.
     */
    void linearAttention(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition,
                         KvBuffer kv, boolean causal, FeatureMap features, float scale,
                         float[] out, int outOffset, int outStride);
}
