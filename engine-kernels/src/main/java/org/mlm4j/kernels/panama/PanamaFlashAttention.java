package org.mlm4j.kernels.panama;

import static org.mlm4j.kernels.panama.VectorConstants.F;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import org.mlm4j.kernels.AttentionMask;
import org.mlm4j.kernels.AttentionShapes;
import org.mlm4j.kernels.KvBuffer;
import org.mlm4j.kernels.Parallel;

/**
 * Vector API tiled online-softmax attention, the twin of {@code ScalarFlashAttention}. A task is
 * one KV head × a tile of {@link #QUERY_TILE} query tokens: its rows are the tokens × the
 * {@code g} query heads sharing that KV head (GQA). Key tiles of {@link #KEY_TILE} positions are
 * read once per task (an F16 tile converted to float once) and serve every row: the keys are
 * stored transposed ({@code [dim][key]}), so a row's scores for a vector of keys are FMAs of a
 * broadcast query element, with no horizontal sums; the row's running max and sum rescaled (tiles aligned to multiples of
 * {@link #KEY_TILE} positions, as the scalar twin's), {@code exp} by the Vector API, values
 * accumulated by FMA. Key tiles no row of the task sees are skipped via
 * {@link AttentionMask#nextVisible}. Tasks run on {@link Parallel}; scratch is a few tiles per thread, kept between calls.
 */
final class PanamaFlashAttention {
    static final int QUERY_TILE = 32;
    static final int KEY_TILE = 64;

    private PanamaFlashAttention() {
    }

    static void attend(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition,
                       KvBuffer kv, AttentionMask mask, float scale, float[] out, int outOffset, int outStride) {
        AttentionShapes.check(q, qOffset, qStride, nTokens, nHeads, firstPosition, kv, mask, out, outOffset, outStride);
        int blocks = (nTokens + QUERY_TILE - 1) / QUERY_TILE;
        int nKv = kv.nKvHeads();
        Parallel.forRange(nKv * blocks, 1, (start, end) -> {
            for (int task = start; task < end; task++) {
                int t0 = task / nKv * QUERY_TILE;
                new Task(q, qOffset, qStride, nHeads, firstPosition, kv, mask, scale, out, outOffset, outStride,
                        task % nKv, t0, Math.min(nTokens, t0 + QUERY_TILE)).run();
            }
        });
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** A thread's working arrays, grown to the largest task it has run: a few tiles, whatever n is. */
    private static final class Scratch {
        float[] queries = new float[0];
        float[] acc = new float[0];
        float[] max = new float[0];
        double[] sum = new double[0];
        int[] position = new int[0];
        int[] end = new int[0];
        float[] row = new float[0];
        float[] keysT = new float[0];
        float[] values = new float[0];
        final float[] scores = new float[KEY_TILE];
        final int[] valueAt = new int[KEY_TILE];
        final float[] lanes = new float[F.length()];

        Scratch sizedFor(int rows, int d) {
            if (max.length < rows || row.length < d || queries.length < rows * d) {
                int r = Math.max(rows, max.length);
                int dim = Math.max(d, row.length);
                queries = new float[r * dim];
                acc = new float[r * dim];
                max = new float[r];
                sum = new double[r];
                position = new int[r];
                end = new int[r];
                row = new float[dim];
                keysT = new float[dim * KEY_TILE];
                values = new float[KEY_TILE * dim];
            }
            return this;
        }
    }

    /** One KV head × one tile of query tokens. */
    private record Task(float[] q, int qOffset, int qStride, int nHeads, int firstPosition, KvBuffer kv,
                        AttentionMask mask, float scale, float[] out, int outOffset, int outStride,
                        int kvHead, int t0, int t1) {

        void run() {
            int d = kv.headDim();
            int group = nHeads / kv.nKvHeads();
            int rows = (t1 - t0) * group;
            boolean f16 = kv.type() == KvBuffer.Type.F16;
            // row r = (token t0 + r / group, query head kvHead·group + r % group)
            Scratch scratch = SCRATCH.get().sizedFor(rows, d);
            float[] queries = scratch.queries;
            int[] position = scratch.position;
            int[] end = scratch.end;
            int cursor = Integer.MAX_VALUE;
            int hi = 0;
            for (int r = 0; r < rows; r++) {
                int t = t0 + r / group;
                int src = qOffset + t * qStride + (kvHead * group + r % group) * d;
                for (int i = 0; i < d; i++) {
                    float v = q[src + i];
                    queries[r * d + i] = f16 ? Float.float16ToFloat(Float.floatToFloat16(v)) : v;
                }
                position[r] = firstPosition + t;
                end[r] = mask.end(position[r], kv.length());
                cursor = Math.min(cursor, mask.first(position[r]));
                hi = Math.max(hi, end[r]);
            }
            float[] acc = scratch.acc;
            Arrays.fill(acc, 0, rows * d, 0f);
            float[] max = scratch.max;
            Arrays.fill(max, 0, rows, Float.NEGATIVE_INFINITY);
            double[] sum = scratch.sum;
            Arrays.fill(sum, 0, rows, 0.0);
            float[] scores = scratch.scores;
            float[] keysT = scratch.keysT;
            float[] row = scratch.row;
            float[] values = f16 ? scratch.values : kv.valuesF32();
            int[] valueAt = scratch.valueAt;
            while (true) {
                int k0 = Integer.MAX_VALUE;
                for (int r = 0; r < rows; r++) {
                    k0 = Math.min(k0, mask.nextVisible(position[r], cursor));
                }
                if (k0 >= hi) {
                    break;
                }
                k0 = k0 / KEY_TILE * KEY_TILE;
                int k1 = Math.min(k0 + KEY_TILE, hi);
                for (int p = k0; p < k1; p++) {
                    int i = p - k0;
                    float[] key = kv.keysF32();
                    int ko = kv.keyOffset(p, kvHead);
                    if (f16) {
                        F16Vectors.toFloats(kv.keysF16(), ko, row, 0, d);
                        F16Vectors.toFloats(kv.valuesF16(), kv.valueOffset(p, kvHead), values, i * d, d);
                        key = row;
                        ko = 0;
                        valueAt[i] = i * d;
                    } else {
                        valueAt[i] = kv.valueOffset(p, kvHead);
                    }
                    for (int j = 0; j < d; j++) {
                        keysT[j * KEY_TILE + i] = key[ko + j];
                    }
                }
                for (int r = 0; r < rows; r++) {
                    int rowEnd = Math.min(k1, end[r]);
                    if (mask.nextVisible(position[r], k0) >= rowEnd) {
                        continue;
                    }
                    int n = rowEnd - k0;
                    scores(queries, r * d, keysT, d, scale, scores, n);
                    float tileMax = Float.NEGATIVE_INFINITY;
                    for (int i = 0; i < n; i++) {
                        if (!mask.visible(position[r], k0 + i)) {
                            scores[i] = Float.NEGATIVE_INFINITY;
                        }
                        tileMax = Math.max(tileMax, scores[i]);
                    }
                    float newMax = Math.max(max[r], tileMax);
                    float correction = (float) Math.exp(max[r] - newMax);
                    sum[r] = sum[r] * correction + exps(scores, n, newMax, scratch.lanes);
                    accumulate(acc, r * d, d, correction, scores, n, values, valueAt);
                    max[r] = newMax;
                }
                cursor = k1;
            }
            for (int r = 0; r < rows; r++) {
                int t = t0 + r / group;
                int o = outOffset + t * outStride + (kvHead * group + r % group) * d;
                System.arraycopy(acc, r * d, out, o, d);
                PanamaOpsKernels.scaleInPlace(out, o, d, (float) (1.0 / sum[r]));
            }
        }
    }

    /**
     * {@code scores[i] = scale · Σ_j q[j]·keysT[j][i]} for the first n keys of a transposed tile,
     * two key vectors at a time sharing each broadcast query element.
     */
    private static void scores(float[] q, int qo, float[] keysT, int d, float scale, float[] scores, int n) {
        int lanes = F.length();
        int i = 0;
        for (; i + lanes < n; i += 2 * lanes) {
            FloatVector a = FloatVector.zero(F);
            FloatVector b = FloatVector.zero(F);
            for (int j = 0; j < d; j++) {
                FloatVector qj = FloatVector.broadcast(F, q[qo + j]);
                a = qj.fma(FloatVector.fromArray(F, keysT, j * KEY_TILE + i), a);
                b = qj.fma(FloatVector.fromArray(F, keysT, j * KEY_TILE + i + lanes), b);
            }
            a.mul(scale).intoArray(scores, i);
            b.mul(scale).intoArray(scores, i + lanes);
        }
        for (; i < n; i += lanes) {
            FloatVector a = FloatVector.zero(F);
            for (int j = 0; j < d; j++) {
                a = FloatVector.broadcast(F, q[qo + j]).fma(FloatVector.fromArray(F, keysT, j * KEY_TILE + i), a);
            }
            a.mul(scale).intoArray(scores, i);
        }
    }

    /**
     * {@code acc = acc·correction + Σ_i w[i]·v_i} over a tile's n value rows (row i at
     * {@code values[valueAt[i]]}), one vector of the accumulator held in registers while the
     * keys stream past, two FMA chains (even and odd keys).
     */
    private static void accumulate(float[] acc, int ao, int d, float correction, float[] w, int n,
                                   float[] values, int[] valueAt) {
        int lanes = F.length();
        int c = 0;
        for (int bound = F.loopBound(d); c < bound; c += lanes) {
            FloatVector even = FloatVector.fromArray(F, acc, ao + c).mul(correction);
            FloatVector odd = FloatVector.zero(F);
            int i = 0;
            for (; i + 1 < n; i += 2) {
                even = FloatVector.fromArray(F, values, valueAt[i] + c).fma(FloatVector.broadcast(F, w[i]), even);
                odd = FloatVector.fromArray(F, values, valueAt[i + 1] + c).fma(FloatVector.broadcast(F, w[i + 1]), odd);
            }
            if (i < n) {
                even = FloatVector.fromArray(F, values, valueAt[i] + c).fma(FloatVector.broadcast(F, w[i]), even);
            }
            even.add(odd).intoArray(acc, ao + c);
        }
        for (; c < d; c++) {
            float a = acc[ao + c] * correction;
            for (int i = 0; i < n; i++) {
                a = Math.fma(values[valueAt[i] + c], w[i], a);
            }
            acc[ao + c] = a;
        }
    }

    /**
     * {@code s[i] = exp(s[i] − max)} in place (−∞ becomes 0) by {@link VectorMath#exp}; returns
     * their sum, the lanes added by {@link Lanes#sum} in a fixed order: the same bits whichever
     * thread and JIT tier run the row.
     */
    private static double exps(float[] s, int n, float max, float[] laneSums) {
        FloatVector m = FloatVector.broadcast(F, max);
        FloatVector lanes = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, s, i).sub(m));
            e.intoArray(s, i);
            lanes = lanes.add(e);
        }
        lanes.intoArray(laneSums, 0);
        double sum = Lanes.sum(laneSums, 0);
        for (; i < n; i++) {
            s[i] = (float) Math.exp(s[i] - max);
            sum += s[i];
        }
        return sum;
    }
}
