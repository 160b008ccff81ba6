package org.mlm4j.kernels.panama;

import static org.mlm4j.kernels.panama.VectorConstants.F;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.mlm4j.kernels.AttentionMask;
import org.mlm4j.kernels.AttentionShapes;
import org.mlm4j.kernels.KvBuffer;
import org.mlm4j.kernels.Parallel;

/**
 * Vector API tiled online-softmax attention, the twin of {@code ScalarFlashAttention}. A task is
 * one KV head × a tile of {@link #QUERY_TILE} query tokens: its rows are the tokens × the
 * {@code g} query heads sharing that KV head (GQA). Key tiles of {@link #KEY_TILE} positions are
 * copied once per task (as floats, into 64-byte-aligned off-heap tiles: 512-bit loads from a
 * float[] straddle cache lines when the array starts mid-line, 24.2 → 21.9 ms per ViT layer) and
 * serve every row: the keys are stored transposed ({@code [dim][key]}), so a row's scores for a
 * vector of keys are FMAs of a broadcast query element, with no horizontal sums. Scores and value sums run on register tiles
 * of {@link #ROWS} rows × two vectors (keys, or dimensions of the head), so every load feeds
 * several FMAs; between them each row's running max and sum are rescaled (tiles aligned to
 * multiples of {@link #KEY_TILE} positions, as the scalar twin's) and {@code exp} taken by the
 * Vector API. Key tiles no row of the task sees are skipped via
 * {@link AttentionMask#nextVisible}. Tasks run on {@link Parallel}; scratch is a few tiles per thread, kept between calls.
 */
final class PanamaFlashAttention {
    static final int QUERY_TILE = 128;
    static final int KEY_TILE = 64;
    /** Query rows per register tile of the score and value products. */
    static final int ROWS = 4;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

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
        /** The key tile transposed, {@code [dim][KEY_TILE]}, and the value tile {@code [KEY_TILE][dim]}. */
        MemorySegment keysT = MemorySegment.NULL;
        MemorySegment values = MemorySegment.NULL;
        /** Scores, then softmax weights, of one register tile of rows: [ROWS][KEY_TILE]. */
        final float[] weights = new float[ROWS * KEY_TILE];
        final float[] correction = new float[ROWS];
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
                // off-heap on 64-byte lines: a float[] may start 16 bytes into one, and then
                // every 512-bit load of a tile straddles two lines
                keysT = Arena.ofAuto().allocate(4L * dim * KEY_TILE, 64);
                values = Arena.ofAuto().allocate(4L * KEY_TILE * dim, 64);
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
            // rows padded to whole register tiles with copies of the last row (discarded at the end),
            // so every row of a tile takes the same path: no branch the JIT sees only at a batch's end
            int padded = (rows + ROWS - 1) / ROWS * ROWS;
            boolean f16 = kv.type() == KvBuffer.Type.F16;
            // row r < rows = (token t0 + r / group, query head kvHead·group + r % group)
            Scratch scratch = SCRATCH.get().sizedFor(padded, d);
            float[] queries = scratch.queries;
            int[] position = scratch.position;
            int[] end = scratch.end;
            int cursor = Integer.MAX_VALUE;
            int hi = 0;
            for (int r = 0; r < padded; r++) {
                int real = Math.min(r, rows - 1);
                int t = t0 + real / group;
                int src = qOffset + t * qStride + (kvHead * group + real % group) * d;
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
            Arrays.fill(acc, 0, padded * d, 0f);
            float[] max = scratch.max;
            Arrays.fill(max, 0, padded, Float.NEGATIVE_INFINITY);
            double[] sum = scratch.sum;
            Arrays.fill(sum, 0, padded, 0.0);
            float[] weights = scratch.weights;
            float[] correction = scratch.correction;
            MemorySegment keysT = scratch.keysT;
            float[] row = scratch.row;
            MemorySegment values = scratch.values;
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
                    cacheRow(kv, p, kvHead, true, row);
                    for (int j = 0; j < d; j++) {
                        keysT.setAtIndex(ValueLayout.JAVA_FLOAT, (long) j * KEY_TILE + i, row[j]);
                    }
                    cacheRow(kv, p, kvHead, false, row);
                    MemorySegment.copy(row, 0, values, ValueLayout.JAVA_FLOAT, 4L * i * d, d);
                }
                int n = k1 - k0;
                for (int r0 = 0; r0 < padded; r0 += ROWS) {
                    scores(queries, r0 * d, d, keysT, scale, weights, n);
                    boolean seen = false;
                    for (int b = 0; b < ROWS; b++) {
                        seen |= softmaxStep(scratch, r0 + b, b, k0, k1);
                    }
                    if (seen) {
                        accumulate(acc, r0 * d, d, correction, weights, n, values);
                    }
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

        /**
         * Row r's online-softmax step over the tile's keys {@code [k0, k1)}, its scores in slot b of
         * {@code weights}: the scores of visible keys become their weights {@code exp(s − m')}, the
         * (hidden keys 0), the running max and sum move on and {@code s.correction[b] = exp(m − m')}. A row that sees no
         * key of the tile keeps its state: weights 0 and correction 1. Returns whether it saw one.
         */
        private boolean softmaxStep(Scratch s, int r, int b, int k0, int k1) {
            float[] weights = s.weights;
            int at = b * KEY_TILE;
            int n = k1 - k0;
            int p = s.position[r];
            int rowEnd = Math.min(k1, s.end[r]);
            int first = mask.nextVisible(p, k0);
            if (first >= rowEnd) {
                Arrays.fill(weights, at, at + n, 0f);
                s.correction[b] = 1f;
                return false;
            }
            // the row's own keys only, from its first visible one, so its arithmetic does not
            // depend on the other rows
            int from = at + first - k0;
            int to = at + rowEnd - k0;
            if (!mask.contiguous()) {
                for (int i = from; i < to; i++) {
                    if (!mask.visible(p, k0 + i - at)) {
                        weights[i] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
            float newMax = Math.max(s.max[r], max(weights, from, to - from));
            s.correction[b] = (float) Math.exp(s.max[r] - newMax);
            s.sum[r] = s.sum[r] * s.correction[b] + exps(weights, from, to - from, newMax, s.lanes);
            Arrays.fill(weights, at, from, 0f);
            Arrays.fill(weights, to, at + n, 0f);
            s.max[r] = newMax;
            return true;
        }
    }

    /** The key ({@code keys}) or value of position p, KV head {@code head}, as floats in {@code row}. */
    private static void cacheRow(KvBuffer kv, int p, int head, boolean keys, float[] row) {
        int at = keys ? kv.keyOffset(p, head) : kv.valueOffset(p, head);
        if (kv.type() == KvBuffer.Type.F16) {
            F16Vectors.toFloats(keys ? kv.keysF16() : kv.valuesF16(), at, row, 0, kv.headDim());
        } else {
            System.arraycopy(keys ? kv.keysF32() : kv.valuesF32(), at, row, 0, kv.headDim());
        }
    }

    /**
     * {@code w[b][i] = scale · Σ_j q[b][j]·keysT[j][i]} for the {@link #ROWS} query rows at
     * {@code qo} (d floats each) and the first n keys of a transposed tile (whole vectors of
     * keys, so up to a vector past n; the tile is {@link #KEY_TILE} wide): a register tile of
     * ROWS rows × two key vectors, each key load shared by the rows, each broadcast query
     * element by the two vectors.
     */
    private static void scores(float[] q, int qo, int d, MemorySegment keysT, float scale, float[] w, int n) {
        int lanes = F.length();
        for (int i = 0; i < n; i += 2 * lanes) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector b0 = FloatVector.zero(F);
            FloatVector b1 = FloatVector.zero(F);
            FloatVector c0 = FloatVector.zero(F);
            FloatVector c1 = FloatVector.zero(F);
            FloatVector e0 = FloatVector.zero(F);
            FloatVector e1 = FloatVector.zero(F);
            for (int j = 0; j < d; j++) {
                FloatVector k0 = FloatVector.fromMemorySegment(F, keysT, 4L * (j * KEY_TILE + i), NATIVE);
                FloatVector k1 = FloatVector.fromMemorySegment(F, keysT, 4L * (j * KEY_TILE + i + lanes), NATIVE);
                FloatVector qa = FloatVector.broadcast(F, q[qo + j]);
                a0 = qa.fma(k0, a0);
                a1 = qa.fma(k1, a1);
                FloatVector qb = FloatVector.broadcast(F, q[qo + d + j]);
                b0 = qb.fma(k0, b0);
                b1 = qb.fma(k1, b1);
                FloatVector qc = FloatVector.broadcast(F, q[qo + 2 * d + j]);
                c0 = qc.fma(k0, c0);
                c1 = qc.fma(k1, c1);
                FloatVector qe = FloatVector.broadcast(F, q[qo + 3 * d + j]);
                e0 = qe.fma(k0, e0);
                e1 = qe.fma(k1, e1);
            }
            a0.mul(scale).intoArray(w, i);
            a1.mul(scale).intoArray(w, i + lanes);
            b0.mul(scale).intoArray(w, KEY_TILE + i);
            b1.mul(scale).intoArray(w, KEY_TILE + i + lanes);
            c0.mul(scale).intoArray(w, 2 * KEY_TILE + i);
            c1.mul(scale).intoArray(w, 2 * KEY_TILE + i + lanes);
            e0.mul(scale).intoArray(w, 3 * KEY_TILE + i);
            e1.mul(scale).intoArray(w, 3 * KEY_TILE + i + lanes);
        }
    }

    /**
     * {@code acc[b] = acc[b]·correction[b] + Σ_i w[b][i]·v_i} for the {@link #ROWS} accumulator
     * rows at {@code ao} (d floats each) over a tile's n value rows (row i at
     * {@code values[valueAt[i]]}): a register tile of ROWS rows × two vectors of d, each value
     * load shared by the rows, each broadcast weight by the two vectors.
     */
    private static void accumulate(float[] acc, int ao, int d, float[] correction, float[] w, int n,
                                   MemorySegment values) {
        int lanes = F.length();
        int c = 0;
        for (; c + lanes <= d; c += 2 * lanes) {
            // the second vector slides back over the first at the end of a row: the overlap is
            // loaded before either is stored, so both compute (and store) the same values there
            int c2 = Math.min(c + lanes, d - lanes);
            FloatVector a0 = FloatVector.fromArray(F, acc, ao + c).mul(correction[0]);
            FloatVector a1 = FloatVector.fromArray(F, acc, ao + c2).mul(correction[0]);
            FloatVector b0 = FloatVector.fromArray(F, acc, ao + d + c).mul(correction[1]);
            FloatVector b1 = FloatVector.fromArray(F, acc, ao + d + c2).mul(correction[1]);
            FloatVector c0 = FloatVector.fromArray(F, acc, ao + 2 * d + c).mul(correction[2]);
            FloatVector c1 = FloatVector.fromArray(F, acc, ao + 2 * d + c2).mul(correction[2]);
            FloatVector e0 = FloatVector.fromArray(F, acc, ao + 3 * d + c).mul(correction[3]);
            FloatVector e1 = FloatVector.fromArray(F, acc, ao + 3 * d + c2).mul(correction[3]);
            for (int i = 0; i < n; i++) {
                FloatVector v0 = FloatVector.fromMemorySegment(F, values, 4L * (i * d + c), NATIVE);
                FloatVector v1 = FloatVector.fromMemorySegment(F, values, 4L * (i * d + c2), NATIVE);
                FloatVector wa = FloatVector.broadcast(F, w[i]);
                a0 = v0.fma(wa, a0);
                a1 = v1.fma(wa, a1);
                FloatVector wb = FloatVector.broadcast(F, w[KEY_TILE + i]);
                b0 = v0.fma(wb, b0);
                b1 = v1.fma(wb, b1);
                FloatVector wc = FloatVector.broadcast(F, w[2 * KEY_TILE + i]);
                c0 = v0.fma(wc, c0);
                c1 = v1.fma(wc, c1);
                FloatVector we = FloatVector.broadcast(F, w[3 * KEY_TILE + i]);
                e0 = v0.fma(we, e0);
                e1 = v1.fma(we, e1);
            }
            a0.intoArray(acc, ao + c);
            a1.intoArray(acc, ao + c2);
            b0.intoArray(acc, ao + d + c);
            b1.intoArray(acc, ao + d + c2);
            c0.intoArray(acc, ao + 2 * d + c);
            c1.intoArray(acc, ao + 2 * d + c2);
            e0.intoArray(acc, ao + 3 * d + c);
            e1.intoArray(acc, ao + 3 * d + c2);
        }
        c = Math.min(c, d);
        for (int b = 0; b < ROWS; b++) {
            int o = ao + b * d;
            for (int cc = c; cc < d; cc++) {
                float a = acc[o + cc] * correction[b];
                for (int i = 0; i < n; i++) {
                    a = Math.fma(values.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * d + cc), w[b * KEY_TILE + i], a);
                }
                acc[o + cc] = a;
            }
        }
    }

    /** The largest of {@code s[at … at + n)}, n ≥ 1. */
    private static float max(float[] s, int at, int n) {
        FloatVector lanes = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            lanes = lanes.max(FloatVector.fromArray(F, s, at + i));
        }
        float max = lanes.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, s[at + i]);
        }
        return max;
    }

    /**
     * {@code s[at + i] = exp(s[at + i] − max)} for i < n in place (−∞ becomes 0) by {@link VectorMath#exp}; returns
     * their sum, the lanes added by {@link Lanes#sum} in a fixed order: the same bits whichever
     * thread and JIT tier run the row.
     */
    private static double exps(float[] s, int at, int n, float max, float[] laneSums) {
        FloatVector m = FloatVector.broadcast(F, max);
        FloatVector lanes = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(F, s, at + i).sub(m));
            e.intoArray(s, at + i);
            lanes = lanes.add(e);
        }
        lanes.intoArray(laneSums, 0);
        double sum = Lanes.sum(laneSums, 0);
        for (; i < n; i++) {
            s[at + i] = (float) Math.exp(s[at + i] - max);
            sum += s[at + i];
        }
        return sum;
    }
}
