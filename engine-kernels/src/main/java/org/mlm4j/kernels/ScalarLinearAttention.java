package org.mlm4j.kernels;

import java.util.Arrays;

/**
 * Linear attention ({@link AttentionKernels#linearAttention}) in plain loops: the definition of the
 * Vector API version. Per KV head, the running sums {@code S = Σ φ(k)vᵀ} (M×d) and
 * {@code z = Σ φ(k)} take the keys in position order; a query reads {@code φ(q)ᵀS / φ(q)ᵀz}.
 *
 * <p>The sums live in a {@link LinearAttentionState}: the buffer's own ({@link KvBuffer#linear}),
 * which carries them from call to call so only the batch's keys are added, or a fresh one that
 * takes every stored key.
 *
 * <p>FAVOR+ features are exponentials, so they are kept relative to a stabiliser: a query's
 * {@code φ(q)} is divided by its largest feature; S and z hold {@code exp(−c)} times the true sums,
 * c the largest key feature logit seen so far, and are rescaled when c grows (as the online
 * softmax rescales). Both factors cancel in the ratio.
 */
final class ScalarLinearAttention {
    private ScalarLinearAttention() {
    }

    static void attend(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition,
                       KvBuffer kv, boolean causal, FeatureMap features, float scale,
                       float[] out, int outOffset, int outStride) {
        int headDim = kv.headDim();
        int m = features.features(headDim);
        LinearAttentionState state = LinearAttentionState.forCall(q, qOffset, qStride, nTokens, nHeads, firstPosition,
                kv, causal, m, out, outOffset, outStride);
        int group = nHeads / kv.nKvHeads();
        float[] phi = new float[m];
        float[] key = new float[headDim];
        float[] value = new float[headDim];
        for (int kvHead = 0; kvHead < kv.nKvHeads(); kvHead++) {
            float[] sums = state.sums(kvHead);
            float[] normaliser = state.normaliser(kvHead);
            float stabiliser = state.stabiliser(kvHead);
            int added = state.folded();
            for (int t = 0; t < nTokens; t++) {
                int keysEnd = causal ? firstPosition + t + 1 : kv.length();
                for (; added < keysEnd; added++) {
                    kv.readKey(added, kvHead, key, 0);
                    kv.readValue(added, kvHead, value, 0);
                    float logitMax = features.logits(key, 0, headDim, scale, phi);
                    float c = Math.max(stabiliser, logitMax);
                    if (c != stabiliser && stabiliser != Float.NEGATIVE_INFINITY) {
                        float rescale = (float) Math.exp(stabiliser - c);
                        for (int i = 0; i < sums.length; i++) {
                            sums[i] *= rescale;
                        }
                        for (int i = 0; i < m; i++) {
                            normaliser[i] *= rescale;
                        }
                    }
                    stabiliser = c;
                    features.exponentiate(phi, c);
                    for (int i = 0; i < m; i++) {
                        normaliser[i] += phi[i];
                        for (int d = 0; d < headDim; d++) {
                            sums[i * headDim + d] += phi[i] * value[d];
                        }
                    }
                }
                for (int h = kvHead * group; h < (kvHead + 1) * group; h++) {
                    int src = qOffset + t * qStride + h * headDim;
                    features.exponentiate(phi, features.logits(q, src, headDim, scale, phi));
                    int o = outOffset + t * outStride + h * headDim;
                    Arrays.fill(out, o, o + headDim, 0f);
                    float denominator = 0;
                    for (int i = 0; i < m; i++) {
                        denominator += phi[i] * normaliser[i];
                        for (int d = 0; d < headDim; d++) {
                            out[o + d] += phi[i] * sums[i * headDim + d];
                        }
                    }
                    float inv = 1f / denominator;
                    for (int d = 0; d < headDim; d++) {
                        out[o + d] *= inv;
                    }
                }
            }
            state.setStabiliser(kvHead, stabiliser);
        }
        if (causal) {
            state.foldedTo(firstPosition + nTokens);
        }
    }
}
