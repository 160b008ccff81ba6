package org.mlm4j.kernels.panama;

import static org.mlm4j.kernels.panama.VectorConstants.F;

import jdk.incubator.vector.FloatVector;
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
 * in an F16 buffer, converted to float) once per task, not once per query head. Both walks go by
 * blocks of {@link #POSITION_BLOCK} positions, converted from F16 together; a query row's value
 * sums stay in registers across a block ({@link #weightedSum}). The q·k dots, the softmax and the
 * V accumulation are vector loops. Each query row goes through the same
 * operations in the same order whatever the blocking and the thread count (tasks run on
 * {@link Parallel}'s pool; each writes only its own output heads), so prefill and token-by-token
 * decode, and any number of threads, agree bit for bit once the JIT has compiled the kernel (the
 * Vector API's interpreted fallback sums lanes and computes exp in another order than the
 * compiled code, a difference of float rounding).
 */
final class PanamaAttentionKernels implements AttentionKernels {
    /** Query tokens per task: enough rows to amortise each K/V row conversion, scores stay in L2. */
    private static final int TOKEN_BLOCK = 16;
    /**
     * Key (value) positions converted from F16 together, in one plain loop ({@link F16Vectors#toFloats}),
     * then multiplied while in L1 (8 KiB of floats at head size 128). Decode over 1536 F16 positions,
     * 16 heads of 128, 24 layers, one thread: 40.2 ms with each row converted in registers on its
     * own, 31 / 22 / 22 / 28 / 40 ms in blocks of 4 / 8 / 16 / 32 / 64 (64 rows fill L1).
     */
    private static final int POSITION_BLOCK = 16;

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
            boolean everyPositionInRange = mask.contiguous();
            float[] block = f16 ? new float[POSITION_BLOCK * headDim] : null;
            for (int p0 = lo; p0 < hi; p0 += POSITION_BLOCK) {
                int p1 = Math.min(hi, p0 + POSITION_BLOCK);
                float[] k = floats(kv.keysF16(), kv.keysF32(), p0, p1, true, block);
                for (int p = p0; p < p1; p++) {
                    int ko = k == block ? (p - p0) * headDim : kv.keyOffset(p, kvHead);
                    for (int r = 0; r < rows; r++) {
                        if (p >= first[r] && p < end[r]
                                && (everyPositionInRange || mask.visible(firstPosition + t0 + r / group, p))) {
                            weights[r * span + p - lo] = PanamaOpsKernels.dot(queries, r * headDim, k, ko, headDim) * scale;
                        }
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
            for (int p0 = lo; p0 < hi; p0 += POSITION_BLOCK) {
                int p1 = Math.min(hi, p0 + POSITION_BLOCK);
                float[] v = floats(kv.valuesF16(), kv.valuesF32(), p0, p1, false, block);
                for (int r = 0; r < rows; r++) {
                    int from = Math.max(p0, first[r]);
                    int to = Math.min(p1, end[r]);
                    int vStride = v == block ? headDim : stride(from, to, false);
                    if (everyPositionInRange && from < to && vStride > 0) {
                        // the value rows from … to − 1 of this block, evenly spaced, weighted into the row's sums
                        int vo = v == block ? (from - p0) * headDim : kv.valueOffset(from, kvHead);
                        weightedSum(weights, r * span + from - lo, to - from, v, vo, vStride, sums, r * headDim, headDim);
                    } else {
                        for (int p = from; p < to; p++) {
                            if (everyPositionInRange || mask.visible(firstPosition + t0 + r / group, p)) {
                                int vo = v == block ? (p - p0) * headDim : kv.valueOffset(p, kvHead);
                                PanamaOpsKernels.axpy(weights[r * span + p - lo], v, vo, sums, r * headDim, headDim);
                            }
                        }
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
         * The key (or value) rows of positions {@code p0 … p1 − 1} of this task's head as floats: the
         * F32 store itself (rows at their own offsets), or {@code block} holding the converted F16
         * rows one after another. Rows in consecutive slots (all but a wrapped ring's) are
         * converted by one call: a long run goes through {@link F16Vectors#toFloats}'s plain loop.
         */
        private float[] floats(short[] f16, float[] f32, int p0, int p1, boolean keys, float[] block) {
            if (f16 == null) {
                return f32;
            }
            int headDim = kv.headDim();
            if (stride(p0, p1, keys) == headDim) {
                F16Vectors.toFloats(f16, offset(p0, keys), block, 0, (p1 - p0) * headDim);
            } else {
                for (int p = p0; p < p1; p++) {
                    F16Vectors.toFloats(f16, offset(p, keys), block, (p - p0) * headDim, headDim);
                }
            }
            return block;
        }

        /**
         * The distance between the rows of consecutive positions in {@code p0 … p1 − 1} when it is
         * the same throughout (a ring that wraps inside the run breaks it), else −1.
         */
        private int stride(int p0, int p1, boolean keys) {
            if (p1 - p0 < 2) {
                return kv.headDim();
            }
            int step = offset(p0 + 1, keys) - offset(p0, keys);
            return offset(p1 - 1, keys) - offset(p0, keys) == (p1 - 1 - p0) * step ? step : -1;
        }

        private int offset(int position, boolean keys) {
            return keys ? kv.keyOffset(position, kvHead) : kv.valueOffset(position, kvHead);
        }
    }

    /**
     * {@code sums[so + d] += w[wo + i]·v[vo + i·vStride + d]} for the {@code count} rows i in turn
     * (each element gets the same FMAs in the same order as one {@code axpy} per row), with the
     * sums of {@code 4·F.length()} elements at a time held in registers across the rows.
     */
    private static void weightedSum(float[] w, int wo, int count, float[] v, int vo, int vStride, float[] sums, int so,
                                    int n) {
        int width = 4 * F.length();
        int d = 0;
        for (; d + width <= n; d += width) {
            FloatVector a0 = FloatVector.fromArray(F, sums, so + d);
            FloatVector a1 = FloatVector.fromArray(F, sums, so + d + F.length());
            FloatVector a2 = FloatVector.fromArray(F, sums, so + d + 2 * F.length());
            FloatVector a3 = FloatVector.fromArray(F, sums, so + d + 3 * F.length());
            for (int i = 0; i < count; i++) {
                FloatVector s = FloatVector.broadcast(F, w[wo + i]);
                int at = vo + i * vStride + d;
                a0 = FloatVector.fromArray(F, v, at).fma(s, a0);
                a1 = FloatVector.fromArray(F, v, at + F.length()).fma(s, a1);
                a2 = FloatVector.fromArray(F, v, at + 2 * F.length()).fma(s, a2);
                a3 = FloatVector.fromArray(F, v, at + 3 * F.length()).fma(s, a3);
            }
            a0.intoArray(sums, so + d);
            a1.intoArray(sums, so + d + F.length());
            a2.intoArray(sums, so + d + 2 * F.length());
            a3.intoArray(sums, so + d + 3 * F.length());
        }
        if (d < n) {
            for (int i = 0; i < count; i++) {
                PanamaOpsKernels.axpy(w[wo + i], v, vo + i * vStride + d, sums, so + d, n - d);
            }
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
