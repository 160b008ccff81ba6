package org.mlm4j.kernels.panama;

import org.mlm4j.kernels.AttentionKernels;
import org.mlm4j.kernels.AttentionMask;
import org.mlm4j.kernels.AttentionShapes;
import org.mlm4j.kernels.FeatureMap;
import org.mlm4j.kernels.KvBuffer;
import org.mlm4j.kernels.Parallel;

/**
 * Vector API attention. Work is split into tasks of (KV head, block of query tokens): a task
 * gathers the {@code g} query heads sharing that KV head for its tokens, then walks the visible
 * positions once for the scores and once for the weighted sum, so each K and V row is read (and,
 * in an F16 buffer, converted to float) once per task, not once per query head. The q·k dots, the
 * softmax and the V accumulation are vector loops. Each query row goes through the same
 * operations in the same order whatever the blocking and the thread count (tasks run on
 * {@link Parallel}'s pool; each writes only its own output heads), so prefill and token-by-token
 * decode, and any number of threads, agree bit for bit once the JIT has compiled the kernel (the
 * Vector API's interpreted fallback sums lanes and computes exp in another order than the
 * compiled code, a difference of float rounding).
 */
final class PanamaAttentionKernels implements AttentionKernels {
    /** Query tokens per task: enough rows to amortise each K/V row conversion, scores stay in L2. */
    private static final int TOKEN_BLOCK = 16;

    @Override
    public void attention(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition,
                          KvBuffer kv, AttentionMask mask, float scale, float[] out, int outOffset, int outStride) {
        AttentionShapes.check(q, qOffset, qStride, nTokens, nHeads, firstPosition, kv, mask, out, outOffset, outStride);
        int blocks = (nTokens + TOKEN_BLOCK - 1) / TOKEN_BLOCK;
        int tasks = kv.nKvHeads() * blocks;
        Parallel.forRange(tasks, 1, (start, end) -> {
            for (int task = start; task < end; task++) {
                int kvHead = task % kv.nKvHeads();
                int t0 = task / kv.nKvHeads() * TOKEN_BLOCK;
                new Task(q, qOffset, qStride, nHeads, firstPosition, kv, mask, scale, out, outOffset, outStride,
                        kvHead, t0, Math.min(nTokens, t0 + TOKEN_BLOCK)).run();
            }
        });
    }

    /** One KV head × one block of query tokens. */
    private record Task(float[] q, int qOffset, int qStride, int nHeads, int firstPosition, KvBuffer kv,
                        AttentionMask mask, float scale, float[] out, int outOffset, int outStride,
                        int kvHead, int t0, int t1) {

        void run() {
            int headDim = kv.headDim();
            int group = nHeads / kv.nKvHeads();
            int rows = (t1 - t0) * group;
            boolean f16 = kv.type() == KvBuffer.Type.F16;
            // row r = (token t0 + r / group, query head kvHead·group + r % group)
            float[] queries = new float[rows * headDim];
            int[] first = new int[rows];
            int[] end = new int[rows];
            for (int r = 0; r < rows; r++) {
                int t = t0 + r / group;
                int h = kvHead * group + r % group;
                int src = qOffset + t * qStride + h * headDim;
                for (int d = 0; d < headDim; d++) {
                    float v = q[src + d];
                    queries[r * headDim + d] = f16 ? Float.float16ToFloat(Float.floatToFloat16(v)) : v;
                }
                first[r] = mask.first(firstPosition + t);
                end[r] = mask.end(firstPosition + t, kv.length());
            }
            int lo = first[0];
            int hi = end[rows - 1];
            int span = hi - lo;
            float[] weights = new float[rows * span];
            if (!mask.contiguous()) {
                java.util.Arrays.fill(weights, Float.NEGATIVE_INFINITY);
            }
            float[] row = f16 ? new float[headDim] : null;
            for (int p = lo; p < hi; p++) {
                float[] k = floats(kv.keysF16(), kv.keysF32(), kv.keyOffset(p, kvHead), row);
                int ko = k == row ? 0 : kv.keyOffset(p, kvHead);
                for (int r = 0; r < rows; r++) {
                    if (p >= first[r] && p < end[r] && mask.visible(firstPosition + t0 + r / group, p)) {
                        weights[r * span + p - lo] = PanamaOpsKernels.dot(queries, r * headDim, k, ko, headDim) * scale;
                    }
                }
            }
            for (int r = 0; r < rows; r++) {
                int o = r * span + first[r] - lo;
                int n = end[r] - first[r];
                PanamaOpsKernels.softmaxRow(weights, o, n);
                if (f16) {
                    for (int i = 0; i < n; i++) {
                        weights[o + i] = Float.float16ToFloat(Float.floatToFloat16(weights[o + i]));
                    }
                }
            }
            float[] sums = new float[rows * headDim];
            for (int p = lo; p < hi; p++) {
                float[] v = floats(kv.valuesF16(), kv.valuesF32(), kv.valueOffset(p, kvHead), row);
                int vo = v == row ? 0 : kv.valueOffset(p, kvHead);
                for (int r = 0; r < rows; r++) {
                    if (p >= first[r] && p < end[r] && mask.visible(firstPosition + t0 + r / group, p)) {
                        PanamaOpsKernels.axpy(weights[r * span + p - lo], v, vo, sums, r * headDim, headDim);
                    }
                }
            }
            for (int r = 0; r < rows; r++) {
                int t = t0 + r / group;
                int h = kvHead * group + r % group;
                System.arraycopy(sums, r * headDim, out, outOffset + t * outStride + h * headDim, headDim);
            }
        }

        /**
         * The head row at {@code offset} of an F16 or F32 store as floats: the F32 store itself (read
         * at {@code offset}), or {@code scratch} holding the converted F16 row (read at 0).
         */
        private static float[] floats(short[] f16, float[] f32, int offset, float[] scratch) {
            if (f16 == null) {
                return f32;
            }
            F16Vectors.toFloats(f16, offset, scratch, 0, scratch.length);
            return scratch;
        }
    }

    @Override
    public void flashAttention(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition,
                               KvBuffer kv, AttentionMask mask, float scale, float[] out, int outOffset, int outStride) {
        PanamaFlashAttention.attend(q, qOffset, qStride, nTokens, nHeads, firstPosition, kv, mask, scale, out, outOffset, outStride);
    }

    @Override
    public void linearAttention(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition,
                                KvBuffer kv, boolean causal, FeatureMap features, float scale,
                                float[] out, int outOffset, int outStride) {
        PanamaLinearAttention.attend(q, qOffset, qStride, nTokens, nHeads, firstPosition, kv, causal, features, scale,
                out, outOffset, outStride);
    }
}
