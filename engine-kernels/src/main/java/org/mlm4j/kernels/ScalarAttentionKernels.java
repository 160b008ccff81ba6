package org.mlm4j.kernels;

/** Scalar attention: one query head at a time, plain loops; the definition of the SIMD kernel. */
final class ScalarAttentionKernels implements AttentionKernels {

    @Override
    public void attention(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition,
                          KvBuffer kv, AttentionMask mask, float scale, float[] out, int outOffset, int outStride) {
        AttentionShapes.check(q, qOffset, qStride, nTokens, nHeads, firstPosition, kv, mask, out, outOffset, outStride);
        int headDim = kv.headDim();
        int group = nHeads / kv.nKvHeads();
        boolean f16 = kv.type() == KvBuffer.Type.F16;
        float[] query = new float[headDim];
        float[] row = new float[headDim];
        float[] weights = new float[kv.length()];
        for (int t = 0; t < nTokens; t++) {
            int position = firstPosition + t;
            int first = mask.first(position);
            int end = mask.end(position, kv.length());
            for (int h = 0; h < nHeads; h++) {
                int kvHead = h / group;
                for (int d = 0; d < headDim; d++) {
                    float v = q[qOffset + t * qStride + h * headDim + d];
                    query[d] = f16 ? Float.float16ToFloat(Float.floatToFloat16(v)) : v;
                }
                for (int p = first; p < end; p++) {
                    if (!mask.visible(position, p)) {
                        weights[p - first] = Float.NEGATIVE_INFINITY;
                        continue;
                    }
                    kv.readKey(p, kvHead, row, 0);
                    float dot = 0;
                    for (int d = 0; d < headDim; d++) {
                        dot += query[d] * row[d];
                    }
                    weights[p - first] = dot * scale;
                }
                ScalarOpsKernels.softmaxRow(weights, 0, end - first);
                int o = outOffset + t * outStride + h * headDim;
                java.util.Arrays.fill(out, o, o + headDim, 0f);
                for (int p = first; p < end; p++) {
                    if (!mask.visible(position, p)) {
                        continue;
                    }
                    float w = weights[p - first];
                    if (f16) {
                        w = Float.float16ToFloat(Float.floatToFloat16(w));
                    }
                    kv.readValue(p, kvHead, row, 0);
                    for (int d = 0; d < headDim; d++) {
                        out[o + d] += w * row[d];
                    }
                }
            }
        }
    }

    @Override
    public void flashAttention(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition,
                               KvBuffer kv, AttentionMask mask, float scale, float[] out, int outOffset, int outStride) {
        ScalarFlashAttention.attend(q, qOffset, qStride, nTokens, nHeads, firstPosition, kv, mask, scale, out, outOffset, outStride);
    }

    @Override
    public void linearAttention(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition,
                                KvBuffer kv, boolean causal, FeatureMap features, float scale,
                                float[] out, int outOffset, int outStride) {
        ScalarLinearAttention.attend(q, qOffset, qStride, nTokens, nHeads, firstPosition, kv, causal, features, scale,
                out, outOffset, outStride);
    }
}
