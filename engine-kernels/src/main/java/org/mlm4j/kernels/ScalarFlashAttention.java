package org.mlm4j.kernels;

import java.util.Arrays;

/**
 * Tiled online-softmax attention ({@link AttentionKernels#flashAttention}), one query row at a
 * time in plain loops: the definition the Vector API version follows. Per row: for each tile of
 * {@link #KEY_TILE} key positions (aligned to multiples of the tile, so a row's arithmetic does not
 * depend on the batch it is in) that holds a visible key, scores {@code s = scale·q·k} (−∞ where the mask hides the key),
 * {@code m' = max(m, max s)}, accumulator and running sum × {@code exp(m − m')}, then
 * {@code + exp(s − m')·v} and {@code + exp(s − m')}; finally accumulator × {@code (float)(1/l)}.
 * Memory: one tile of scores and one accumulator row.
 */
final class ScalarFlashAttention {
    /** Keys per tile: the unit of rescaling (and of the SIMD twin's K/V reuse). */
    static final int KEY_TILE = 64;

    private ScalarFlashAttention() {
    }

    static void attend(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition,
                       KvBuffer kv, AttentionMask mask, float scale, float[] out, int outOffset, int outStride) {
        AttentionShapes.check(q, qOffset, qStride, nTokens, nHeads, firstPosition, kv, mask, out, outOffset, outStride);
        int headDim = kv.headDim();
        int group = nHeads / kv.nKvHeads();
        boolean f16 = kv.type() == KvBuffer.Type.F16;
        float[] query = new float[headDim];
        float[] row = new float[headDim];
        float[] scores = new float[KEY_TILE];
        for (int t = 0; t < nTokens; t++) {
            int position = firstPosition + t;
            int end = mask.end(position, kv.length());
            for (int h = 0; h < nHeads; h++) {
                int kvHead = h / group;
                for (int d = 0; d < headDim; d++) {
                    float v = q[qOffset + t * qStride + h * headDim + d];
                    query[d] = f16 ? Float.float16ToFloat(Float.floatToFloat16(v)) : v;
                }
                int o = outOffset + t * outStride + h * headDim;
                Arrays.fill(out, o, o + headDim, 0f);
                float max = Float.NEGATIVE_INFINITY;
                double sum = 0;
                for (int k0 = tileOf(mask.nextVisible(position, mask.first(position))); k0 < end;
                        k0 = tileOf(mask.nextVisible(position, k0 + KEY_TILE))) {
                    int n = Math.min(KEY_TILE, end - k0);
                    float tileMax = Float.NEGATIVE_INFINITY;
                    for (int i = 0; i < n; i++) {
                        float s = Float.NEGATIVE_INFINITY;
                        if (mask.visible(position, k0 + i)) {
                            kv.readKey(k0 + i, kvHead, row, 0);
                            float dot = 0;
                            for (int d = 0; d < headDim; d++) {
                                dot += query[d] * row[d];
                            }
                            s = dot * scale;
                        }
                        scores[i] = s;
                        tileMax = Math.max(tileMax, s);
                    }
                    float newMax = Math.max(max, tileMax);
                    float correction = (float) Math.exp(max - newMax);
                    for (int d = 0; d < headDim; d++) {
                        out[o + d] *= correction;
                    }
                    sum *= correction;
                    for (int i = 0; i < n; i++) {
                        if (scores[i] == Float.NEGATIVE_INFINITY) {
                            continue;
                        }
                        float w = (float) Math.exp(scores[i] - newMax);
                        sum += w;
                        kv.readValue(k0 + i, kvHead, row, 0);
                        for (int d = 0; d < headDim; d++) {
                            out[o + d] += w * row[d];
                        }
                    }
                    max = newMax;
                }
                float inv = (float) (1.0 / sum);
                for (int d = 0; d < headDim; d++) {
                    out[o + d] *= inv;
                }
            }
        }
    }

    /** The start of the key tile holding {@code position} (MAX_VALUE stays MAX_VALUE). */
    static int tileOf(int position) {
        return position == Integer.MAX_VALUE ? position : position / KEY_TILE * KEY_TILE;
    }
}
