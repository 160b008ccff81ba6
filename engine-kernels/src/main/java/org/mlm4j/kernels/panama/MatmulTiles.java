package org.mlm4j.kernels.panama;

import static org.mlm4j.kernels.panama.VectorConstants.F;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

/**
 * The register-blocked F32 core of every batched matmul: 4 weight rows (an unpacked panel, row r
 * at {@code panel[r·k]}) against 4 activation rows (at {@code x[xo_c]}), 16 vector accumulators
 * fed by 8 loads per step of {@code F.length()} columns, one horizontal sum per output at the end
 * ({@link Lanes}: {@code lanes} is scratch for it).
 * With 32 vector registers (AVX-512) nothing spills.
 */
final class MatmulTiles {
    private MatmulTiles() {
    }

    /** {@code out[4r + c] = Σ_i panel[po + r·k + i]·x[xo_c + i]} for r, c < 4. */
    static void tile4x4(float[] panel, int po, int k, float[] x, int xo0, int xo1, int xo2, int xo3, float[] out,
                        float[] lanes) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int bound = F.loopBound(k);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector w0 = FloatVector.fromArray(F, panel, po + i);
            FloatVector w1 = FloatVector.fromArray(F, panel, po + k + i);
            FloatVector w2 = FloatVector.fromArray(F, panel, po + 2 * k + i);
            FloatVector w3 = FloatVector.fromArray(F, panel, po + 3 * k + i);
            FloatVector x0 = FloatVector.fromArray(F, x, xo0 + i);
            a00 = w0.fma(x0, a00);
            a10 = w1.fma(x0, a10);
            a20 = w2.fma(x0, a20);
            a30 = w3.fma(x0, a30);
            FloatVector x1 = FloatVector.fromArray(F, x, xo1 + i);
            a01 = w0.fma(x1, a01);
            a11 = w1.fma(x1, a11);
            a21 = w2.fma(x1, a21);
            a31 = w3.fma(x1, a31);
            FloatVector x2 = FloatVector.fromArray(F, x, xo2 + i);
            a02 = w0.fma(x2, a02);
            a12 = w1.fma(x2, a12);
            a22 = w2.fma(x2, a22);
            a32 = w3.fma(x2, a32);
            FloatVector x3 = FloatVector.fromArray(F, x, xo3 + i);
            a03 = w0.fma(x3, a03);
            a13 = w1.fma(x3, a13);
            a23 = w2.fma(x3, a23);
            a33 = w3.fma(x3, a33);
        }
        int n = F.length();
        a00.intoArray(lanes, 0);
        a01.intoArray(lanes, n);
        a02.intoArray(lanes, 2 * n);
        a03.intoArray(lanes, 3 * n);
        a10.intoArray(lanes, 4 * n);
        a11.intoArray(lanes, 5 * n);
        a12.intoArray(lanes, 6 * n);
        a13.intoArray(lanes, 7 * n);
        a20.intoArray(lanes, 8 * n);
        a21.intoArray(lanes, 9 * n);
        a22.intoArray(lanes, 10 * n);
        a23.intoArray(lanes, 11 * n);
        a30.intoArray(lanes, 12 * n);
        a31.intoArray(lanes, 13 * n);
        a32.intoArray(lanes, 14 * n);
        a33.intoArray(lanes, 15 * n);
        for (int j = 0; j < 16; j++) {
            out[j] = Lanes.sum(lanes, j * n);
        }
        if (i < k) {
            int[] xo = {xo0, xo1, xo2, xo3};
            for (int r = 0; r < 4; r++) {
                for (int c = 0; c < 4; c++) {
                    out[4 * r + c] += tail(panel, po + r * k, x, xo[c], i, k);
                }
            }
        }
    }

    /** Weight rows of an outer-product tile: 4 vectors of them side by side. */
    static final int OUTER_ROWS = 4 * F.length();
    /** Activation rows of an outer-product tile: 6 x 4 accumulators + 4 weights + 1 broadcast fit 32 registers. */
    static final int OUTER_BATCH = 6;
    /** Columns per partial sum of {@link #outer6x4} for quantized weights: ggml's 32-element block. */
    static final int SUM_BLOCK = 32;
    /**
     * Columns per partial sum for float weights (F32/F16/BF16), whose ggml dot product has no block
     * structure to follow: a quarter as many partial-sum flushes (~9 % of the tile's time at 32).
     */
    static final int FLOAT_SUM_BLOCK = 128;

    /**
     * Transposes {@code F.length()} rows of {@code cols} floats at {@code rows[from + t·cols]} to
     * float {@code to + k·OUTER_ROWS + t} of {@code panel}: each column's weights
     * side by side for {@link #outer6x4}. One gather per column (AVX2 / AVX-512 {@code vgatherdps}:
     * ~0.15 ns per float from L1 vs 0.45 for the scalar loop, bench/README.md); the outer-product
     * tiles run with 8 lanes or more only, so NEON, which has no gather, never comes here.
     * {@code rowStarts} is scratch of {@code F.length()} ints.
     */
    static void transpose(float[] rows, int from, int cols, MemorySegment panel, int to, int[] rowStarts) {
        for (int t = 0; t < F.length(); t++) {
            rowStarts[t] = t * cols;
        }
        for (int k = 0; k < cols; k++) {
            FloatVector.fromArray(F, rows, from + k, rowStarts, 0)
                    .intoMemorySegment(panel, 4L * (to + k * OUTER_ROWS), ByteOrder.nativeOrder());
        }
    }

    /**
     * Outer-product form for large batches: {@code acc[ao + c·OUTER_ROWS + j] += Σ_{i<kc} panel[po + i·OUTER_ROWS + j]·x[xo + 6i + c]}
     * for {@code j < OUTER_ROWS}, {@code c < 6} ({@code panel} holds floats, {@code po} counts them). The panel is
     * transposed (the {@code OUTER_ROWS} weights of one column side by side) and 64-byte aligned (off heap:
     * a {@code float[]}'s data starts 16 bytes past a line as often as not, and every 512-bit load then
     * splits two cache lines, ~10 % of this kernel), and the 6 activation rows interleaved (their values of one column side by
     * side), so each step loads 4 weight vectors and broadcasts 6 activations from one index: 24 FMAs
     * for 10 loads, the sums run along the output dimension, and no horizontal sums are needed.
     * Columns are summed in blocks of {@code sumBlock} ({@link #SUM_BLOCK} for quantized weights)
     * started from zero and then added to {@code acc} in order, as ggml adds its per-block dot
     * products: a long running sum would round more and move quantized activations of the next layer
     * across their rounding boundaries.
     */
    static void outer6x4(MemorySegment panel, int po, int kc, float[] x, int xo, float[] acc, int ao, int sumBlock) {
        int n = F.length();
        for (int j0 = 0; j0 < kc; j0 += sumBlock) {
            FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
            FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
            FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
            FloatVector a40 = a00, a41 = a00, a42 = a00, a43 = a00;
            FloatVector a50 = a00, a51 = a00, a52 = a00, a53 = a00;
            int j1 = Math.min(kc, j0 + sumBlock);
            for (int i = j0; i < j1; i++) {
                long p = 4L * (po + i * OUTER_ROWS);
                int q = xo + OUTER_BATCH * i;
                FloatVector w0 = FloatVector.fromMemorySegment(F, panel, p, ByteOrder.nativeOrder());
                FloatVector w1 = FloatVector.fromMemorySegment(F, panel, p + 4L * n, ByteOrder.nativeOrder());
                FloatVector w2 = FloatVector.fromMemorySegment(F, panel, p + 8L * n, ByteOrder.nativeOrder());
                FloatVector w3 = FloatVector.fromMemorySegment(F, panel, p + 12L * n, ByteOrder.nativeOrder());
                FloatVector x0 = FloatVector.broadcast(F, x[q]);
                a00 = w0.fma(x0, a00);
                a01 = w1.fma(x0, a01);
                a02 = w2.fma(x0, a02);
                a03 = w3.fma(x0, a03);
                FloatVector x1 = FloatVector.broadcast(F, x[q + 1]);
                a10 = w0.fma(x1, a10);
                a11 = w1.fma(x1, a11);
                a12 = w2.fma(x1, a12);
                a13 = w3.fma(x1, a13);
                FloatVector x2 = FloatVector.broadcast(F, x[q + 2]);
                a20 = w0.fma(x2, a20);
                a21 = w1.fma(x2, a21);
                a22 = w2.fma(x2, a22);
                a23 = w3.fma(x2, a23);
                FloatVector x3 = FloatVector.broadcast(F, x[q + 3]);
                a30 = w0.fma(x3, a30);
                a31 = w1.fma(x3, a31);
                a32 = w2.fma(x3, a32);
                a33 = w3.fma(x3, a33);
                FloatVector x4 = FloatVector.broadcast(F, x[q + 4]);
                a40 = w0.fma(x4, a40);
                a41 = w1.fma(x4, a41);
                a42 = w2.fma(x4, a42);
                a43 = w3.fma(x4, a43);
                FloatVector x5 = FloatVector.broadcast(F, x[q + 5]);
                a50 = w0.fma(x5, a50);
                a51 = w1.fma(x5, a51);
                a52 = w2.fma(x5, a52);
                a53 = w3.fma(x5, a53);
            }
            int a = ao;
            a00.add(FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            a01.add(FloatVector.fromArray(F, acc, a + n)).intoArray(acc, a + n);
            a02.add(FloatVector.fromArray(F, acc, a + 2 * n)).intoArray(acc, a + 2 * n);
            a03.add(FloatVector.fromArray(F, acc, a + 3 * n)).intoArray(acc, a + 3 * n);
            a += OUTER_ROWS;
            a10.add(FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            a11.add(FloatVector.fromArray(F, acc, a + n)).intoArray(acc, a + n);
            a12.add(FloatVector.fromArray(F, acc, a + 2 * n)).intoArray(acc, a + 2 * n);
            a13.add(FloatVector.fromArray(F, acc, a + 3 * n)).intoArray(acc, a + 3 * n);
            a += OUTER_ROWS;
            a20.add(FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            a21.add(FloatVector.fromArray(F, acc, a + n)).intoArray(acc, a + n);
            a22.add(FloatVector.fromArray(F, acc, a + 2 * n)).intoArray(acc, a + 2 * n);
            a23.add(FloatVector.fromArray(F, acc, a + 3 * n)).intoArray(acc, a + 3 * n);
            a += OUTER_ROWS;
            a30.add(FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            a31.add(FloatVector.fromArray(F, acc, a + n)).intoArray(acc, a + n);
            a32.add(FloatVector.fromArray(F, acc, a + 2 * n)).intoArray(acc, a + 2 * n);
            a33.add(FloatVector.fromArray(F, acc, a + 3 * n)).intoArray(acc, a + 3 * n);
            a += OUTER_ROWS;
            a40.add(FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            a41.add(FloatVector.fromArray(F, acc, a + n)).intoArray(acc, a + n);
            a42.add(FloatVector.fromArray(F, acc, a + 2 * n)).intoArray(acc, a + 2 * n);
            a43.add(FloatVector.fromArray(F, acc, a + 3 * n)).intoArray(acc, a + 3 * n);
            a += OUTER_ROWS;
            a50.add(FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            a51.add(FloatVector.fromArray(F, acc, a + n)).intoArray(acc, a + n);
            a52.add(FloatVector.fromArray(F, acc, a + 2 * n)).intoArray(acc, a + 2 * n);
            a53.add(FloatVector.fromArray(F, acc, a + 3 * n)).intoArray(acc, a + 3 * n);
        }
    }

    /** {@code out[r] = Σ_i panel[po + r·k + i]·x[xo + i]} for r < 4: one activation row (decode). */
    static void tile4x1(float[] panel, int po, int k, float[] x, int xo, float[] out, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int step = 2 * F.length();
        int bound = k - k % step;
        int i = 0;
        for (; i < bound; i += step) {
            // two independent accumulator sets hide the FMA latency
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
            FloatVector x1 = FloatVector.fromArray(F, x, xo + i + F.length());
            a0 = FloatVector.fromArray(F, panel, po + i).fma(x0, a0);
            a1 = FloatVector.fromArray(F, panel, po + k + i).fma(x0, a1);
            a2 = FloatVector.fromArray(F, panel, po + 2 * k + i).fma(x0, a2);
            a3 = FloatVector.fromArray(F, panel, po + 3 * k + i).fma(x0, a3);
            b0 = FloatVector.fromArray(F, panel, po + i + F.length()).fma(x1, b0);
            b1 = FloatVector.fromArray(F, panel, po + k + i + F.length()).fma(x1, b1);
            b2 = FloatVector.fromArray(F, panel, po + 2 * k + i + F.length()).fma(x1, b2);
            b3 = FloatVector.fromArray(F, panel, po + 3 * k + i + F.length()).fma(x1, b3);
        }
        int n = F.length();
        a0.add(b0).intoArray(lanes, 0);
        a1.add(b1).intoArray(lanes, n);
        a2.add(b2).intoArray(lanes, 2 * n);
        a3.add(b3).intoArray(lanes, 3 * n);
        for (int r = 0; r < 4; r++) {
            out[r] = Lanes.sum(lanes, r * n) + tail(panel, po + r * k, x, xo, i, k);
        }
    }

    private static float tail(float[] panel, int po, float[] x, int xo, int from, int k) {
        float s = 0;
        for (int i = from; i < k; i++) {
            s += panel[po + i] * x[xo + i];
        }
        return s;
    }
}
