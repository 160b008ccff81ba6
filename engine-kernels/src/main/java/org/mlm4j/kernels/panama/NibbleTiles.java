package org.mlm4j.kernels.panama;

import static org.mlm4j.kernels.panama.VectorConstants.F;
import static org.mlm4j.kernels.panama.VectorConstants.I;
import static org.mlm4j.kernels.panama.VectorConstants.S;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.mlm4j.kernels.Activations;
import org.mlm4j.kernels.Parallel;
import org.mlm4j.tensor.Blocks;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.LittleEndian;

/**
 * 4-bit weights times 8-bit activations over a batch (prompts), on 16-bit integer lanes: Q4_0
 * with Q8_0 activations and Q4_K with Q8_K ones, ggml's integer block sums exactly. A quant minus
 * 8 (−8..7) times an activation quant (−127..127) is at most 1016 in magnitude, so the 32
 * products of a block (Q4_K: sub-block) add up to at most 32512: one 16-bit lane holds them
 * without overflow. The Vector API has no int8 dot product (VNNI's {@code vpdpbusd}, NEON's
 * {@code sdot}), but 16-bit multiplies and adds carry twice the lanes of float FMAs: a 4x6 tile
 * ran 78-85 against 50-57 GMAC/s for the float tile at 512 and 256 bits, 68-70 against 53-55
 * with each block's sums scaled into float (bench/README.md, tenth session).
 *
 * <p>Per 32 columns a weight row has a scale (Q4_0 {@code d}, Q4_K {@code d·sc}) and, Q4_K only,
 * an offset {@code 8·d·sc − dmin·m} (its −8 taken back, and its min) that meets the activations'
 * sum over the 32 ({@code d·Σq}, from ggml's {@code bsums}); an activation row has a scale per 32
 * columns (Q8_0 {@code d}, Q8_K its super-block's).
 *
 * <p>Layouts, as {@link MatmulTiles#outer6x4} has them for floats: a weight tile of {@link #WIDTH}
 * rows transposed into a 64-byte aligned panel of shorts (column k's quants side by side, at
 * short {@code k·WIDTH + t}), its scales and offsets beside ({@code scales[(k/32)·WIDTH + t]}); the
 * activation quants of {@link #HEIGHT} rows interleaved ({@link #interleave}).
 */
final class NibbleTiles {
    /** Weight rows per tile: four short vectors. */
    static final int WIDTH = 4 * S.length();
    /** Activation rows per tile. */
    static final int HEIGHT = 6;
    /** Columns per pass over a tile: its panel slice is 32 KiB, in L1. */
    static final int K_BLOCK = (32 << 10) / (2 * WIDTH);
    /** A short lane for every int lane (the decode) and every float lane (the scaling). */
    private static final VectorSpecies<Short> HALF = VectorSpecies.of(short.class,
            VectorShape.forBitSize(I.vectorBitSize() / 2));
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private NibbleTiles() {
    }

    /** Whether these tiles multiply {@code type} with activations in {@code format}. */
    static boolean multiplies(GgmlType type, Activations.Format format) {
        return type == GgmlType.Q4_0 && format == Activations.Format.Q8_0
                || type == GgmlType.Q4_K && format == Activations.Format.Q8_K;
    }

    /**
     * The activation quants of {@code a} (Q8_0 or Q8_K) for {@link #tile}, their scales per 32
     * columns into {@code dx} and, for Q8_K, {@code sums} (row b's 32-column sums at
     * {@code b·cols/32}) into {@code sx}: slice by slice of {@link #K_BLOCK} columns (one slice of
     * every row contiguous), the rows in groups of {@link #HEIGHT}, each group's values of one
     * column side by side: row {@code 6g + c}, column {@code k0 + j} of the slice at {@code k0}
     * (holding {@code kc} columns) at {@code x[6·(rowGroups·k0 + g·kc + j) + c]}, the values of its
     * 32 columns at the same index over 32-column blocks in {@code dx}, {@code sx}. Rows past the
     * batch stay zeros.
     */
    static void interleave(Activations a, float[] sums, int rowGroups, short[] x, float[] dx, float[] sx) {
        int cols = a.cols();
        int blocks = cols / 32;
        int perScale = a.format().blockSize / 32;
        byte[] qs = a.qs();
        float[] d = a.d();
        Parallel.forRange(a.batch(), Parallel.grain(a.batch(), cols, 128 << 10, 1), (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                int g = b / HEIGHT;
                int c = b % HEIGHT;
                for (int k0 = 0; k0 < cols; k0 += K_BLOCK) {
                    int kc = Math.min(K_BLOCK, cols - k0);
                    int to = HEIGHT * (rowGroups * k0 + g * kc) + c;
                    for (int j = 0; j < kc; j++) {
                        x[to + HEIGHT * j] = qs[b * cols + k0 + j];
                    }
                    for (int j = 0; j < kc / 32; j++) {
                        int at = HEIGHT * ((rowGroups * k0 + g * kc) / 32 + j) + c;
                        int block = b * blocks + k0 / 32 + j;
                        dx[at] = d[block / perScale];
                        if (sums != null) {
                            sx[at] = sums[block];
                        }
                    }
                }
            }
        });
    }

    /**
     * Columns {@code [k0, k0 + kc)} (whole 128-column halves of super-blocks for Q4_K) of the
     * {@code n ≤ WIDTH} rows at byte {@code at + t·rowBytes}: quants minus 8 into {@code panel},
     * scales into {@code scales}, Q4_K's offsets into {@code offsets}; rows from {@code n} on get
     * zero scales and offsets. A scalar pass puts the rows' quant bytes side by side ({@code words},
     * {@code WIDTH·kc/8} ints, {@link WeightPanels#sideBySide}), then a vector of rows at a time, one
     * int of 4 bytes gives 8 columns.
     */
    static void decode(GgmlType type, MemorySegment w, long at, long rowBytes, int n, int k0, int kc,
                       MemorySegment panel, float[] scales, float[] offsets, int[] words) {
        // columns per unit of quant bytes (Q4_0: a block; Q4_K: 64 columns, low nibbles then high)
        int unit = type == GgmlType.Q4_0 ? 32 : 64;
        if (type == GgmlType.Q4_0) {
            for (int u = 0; u < kc / unit; u++) {
                q4_0Side(w, at + (long) (k0 / 32 + u) * Blocks.Q4_0.BYTES, rowBytes, n, scales, u * WIDTH, words,
                        4 * u * WIDTH);
            }
        } else {
            for (int h = 0; h < kc / 128; h++) {
                q4_KSide(w, at, rowBytes, n, k0 + 128 * h, scales, offsets, 4 * h * WIDTH, words, 16 * h * WIDTH);
            }
        }
        int ints = unit / 8;
        for (int u = 0; u < kc / unit; u++) {
            for (int v = 0; v < WIDTH; v += I.length()) {
                for (int j = 0; j < ints; j++) {
                    IntVector q = IntVector.fromArray(I, words, (ints * u + j) * WIDTH + v);
                    for (int b = 0; b < 4; b++) {
                        int column = unit * u + 4 * j + b;
                        store(q.lanewise(VectorOperators.LSHR, 8 * b).and(0xF).sub(8), panel, column * WIDTH + v);
                        store(q.lanewise(VectorOperators.LSHR, 8 * b + 4).and(0xF).sub(8), panel,
                                (column + unit / 2) * WIDTH + v);
                    }
                }
            }
        }
    }

    /**
     * A Q4_0 block of each row: its scale to {@code scales[so + t]}, its 16 quant bytes to ints
     * {@code words[wo + j·WIDTH + t]}; byte b of int j holds columns 4j + b (low nibble) and 4j + b + 16.
     */
    private static void q4_0Side(MemorySegment w, long block, long rowBytes, int n, float[] scales, int so,
                                 int[] words, int wo) {
        for (int t = 0; t < n; t++) {
            scales[so + t] = LittleEndian.f16(w, block + t * rowBytes);
        }
        WeightPanels.sideBySide(w, block + Blocks.Q4_0.QS, rowBytes, n, 4, words, wo, WIDTH);
        Arrays.fill(scales, so + n, so + WIDTH, 0f);
    }

    /**
     * The 128 columns from {@code column} (half a super-block) of each Q4_K row: its four
     * sub-blocks' scales {@code d·sc} to {@code scales[so + s·WIDTH + t]} and offsets
     * {@code 8·d·sc − dmin·m} to {@code offsets[so + s·WIDTH + t]}, from one read of the header; its
     * 64 quant bytes to ints {@code words[wo + j·WIDTH + t]}: byte b of int j (j &lt; 8, the first 64
     * columns; then the next) holds columns 4j + b (low nibble) and 4j + b + 32.
     */
    private static void q4_KSide(MemorySegment w, long at, long rowBytes, int n, int column, float[] scales,
                                 float[] offsets, int so, int[] words, int wo) {
        int half = column % Blocks.QK_K / 128;
        long superBlock = at + (long) (column / Blocks.QK_K) * Blocks.Q4_K.BYTES;
        for (int t = 0; t < n; t++) {
            long o = superBlock + t * rowBytes;
            float d = LittleEndian.f16(w, o + Blocks.Q4_K.D);
            float dmin = LittleEndian.f16(w, o + Blocks.Q4_K.DMIN);
            int fourScales = Blocks.Q4_K.fourScales(w, o, half);
            int fourMins = Blocks.Q4_K.fourMins(w, o, half);
            for (int s = 0; s < 4; s++) {
                float scale = d * (fourScales >>> 8 * s & 0xFF);
                scales[so + s * WIDTH + t] = scale;
                offsets[so + s * WIDTH + t] = 8 * scale - dmin * (fourMins >>> 8 * s & 0xFF);
            }
        }
        WeightPanels.sideBySide(w, superBlock + Blocks.Q4_K.QS + 64 * half, rowBytes, n, 16, words, wo, WIDTH);
        for (int s = 0; s < 4; s++) {
            Arrays.fill(scales, so + s * WIDTH + n, so + (s + 1) * WIDTH, 0f);
            Arrays.fill(offsets, so + s * WIDTH + n, so + (s + 1) * WIDTH, 0f);
        }
    }

    private static void store(IntVector quants, MemorySegment panel, int index) {
        quants.convertShape(VectorOperators.I2S, HALF, 0).intoMemorySegment(panel, 2L * index, ORDER);
    }

    /**
     * {@code acc[ao + c·WIDTH + t] += Σ_blocks dw·dx·Σ_{k in block} q[t][k]·x[c][k]} over the
     * {@code kc} columns of the panel: per block 32 steps of 4 weight vectors times 6 broadcast
     * activations into 24 exact 16-bit sums, then {@link #addScaled} (with {@code offsets}, Q4_K:
     * {@link #addScaledWithOffsets}). {@code x} from {@code xo}, {@code dx} and {@code sx} from
     * {@code dxo} as {@link #interleave} lays them out; {@code sums} is scratch of
     * {@code HEIGHT·WIDTH} shorts.
     */
    static void tile(MemorySegment panel, int kc, short[] x, int xo, float[] dx, float[] sx, int dxo,
                     float[] scales, float[] offsets, float[] acc, int ao, short[] sums) {
        int n = S.length();
        for (int j0 = 0; j0 < kc; j0 += 32) {
            ShortVector a00 = ShortVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
            ShortVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            ShortVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
            ShortVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
            ShortVector a40 = a00, a41 = a00, a42 = a00, a43 = a00;
            ShortVector a50 = a00, a51 = a00, a52 = a00, a53 = a00;
            for (int i = j0; i < j0 + 32; i++) {
                long p = 2L * i * WIDTH;
                int q = xo + HEIGHT * i;
                ShortVector w0 = ShortVector.fromMemorySegment(S, panel, p, ORDER);
                ShortVector w1 = ShortVector.fromMemorySegment(S, panel, p + 2L * n, ORDER);
                ShortVector w2 = ShortVector.fromMemorySegment(S, panel, p + 4L * n, ORDER);
                ShortVector w3 = ShortVector.fromMemorySegment(S, panel, p + 6L * n, ORDER);
                ShortVector x0 = ShortVector.broadcast(S, x[q]);
                a00 = w0.mul(x0).add(a00);
                a01 = w1.mul(x0).add(a01);
                a02 = w2.mul(x0).add(a02);
                a03 = w3.mul(x0).add(a03);
                ShortVector x1 = ShortVector.broadcast(S, x[q + 1]);
                a10 = w0.mul(x1).add(a10);
                a11 = w1.mul(x1).add(a11);
                a12 = w2.mul(x1).add(a12);
                a13 = w3.mul(x1).add(a13);
                ShortVector x2 = ShortVector.broadcast(S, x[q + 2]);
                a20 = w0.mul(x2).add(a20);
                a21 = w1.mul(x2).add(a21);
                a22 = w2.mul(x2).add(a22);
                a23 = w3.mul(x2).add(a23);
                ShortVector x3 = ShortVector.broadcast(S, x[q + 3]);
                a30 = w0.mul(x3).add(a30);
                a31 = w1.mul(x3).add(a31);
                a32 = w2.mul(x3).add(a32);
                a33 = w3.mul(x3).add(a33);
                ShortVector x4 = ShortVector.broadcast(S, x[q + 4]);
                a40 = w0.mul(x4).add(a40);
                a41 = w1.mul(x4).add(a41);
                a42 = w2.mul(x4).add(a42);
                a43 = w3.mul(x4).add(a43);
                ShortVector x5 = ShortVector.broadcast(S, x[q + 5]);
                a50 = w0.mul(x5).add(a50);
                a51 = w1.mul(x5).add(a51);
                a52 = w2.mul(x5).add(a52);
                a53 = w3.mul(x5).add(a53);
            }
            // stored, then scaled by a separate loop: converting here, inside this method, made C2
            // box the 24 vectors (half the speed)
            a00.intoArray(sums, 0);
            a01.intoArray(sums, n);
            a02.intoArray(sums, 2 * n);
            a03.intoArray(sums, 3 * n);
            a10.intoArray(sums, WIDTH);
            a11.intoArray(sums, WIDTH + n);
            a12.intoArray(sums, WIDTH + 2 * n);
            a13.intoArray(sums, WIDTH + 3 * n);
            a20.intoArray(sums, 2 * WIDTH);
            a21.intoArray(sums, 2 * WIDTH + n);
            a22.intoArray(sums, 2 * WIDTH + 2 * n);
            a23.intoArray(sums, 2 * WIDTH + 3 * n);
            a30.intoArray(sums, 3 * WIDTH);
            a31.intoArray(sums, 3 * WIDTH + n);
            a32.intoArray(sums, 3 * WIDTH + 2 * n);
            a33.intoArray(sums, 3 * WIDTH + 3 * n);
            a40.intoArray(sums, 4 * WIDTH);
            a41.intoArray(sums, 4 * WIDTH + n);
            a42.intoArray(sums, 4 * WIDTH + 2 * n);
            a43.intoArray(sums, 4 * WIDTH + 3 * n);
            a50.intoArray(sums, 5 * WIDTH);
            a51.intoArray(sums, 5 * WIDTH + n);
            a52.intoArray(sums, 5 * WIDTH + 2 * n);
            a53.intoArray(sums, 5 * WIDTH + 3 * n);
            int so = j0 / 32 * WIDTH;
            int blockDx = dxo + HEIGHT * (j0 / 32);
            if (offsets == null) {
                addScaled(sums, scales, so, dx, blockDx, acc, ao);
            } else {
                addScaledWithOffsets(sums, scales, offsets, so, dx, sx, blockDx, acc, ao);
            }
        }
    }

    /**
     * {@code acc[ao + c·WIDTH + t] += sums[c·WIDTH + t]·(scales[so + t]·dx[dxo + c])}: a block's
     * integer sums times the two scales, as ggml's {@code sumi·d_x·d_w} (one rounding apart).
     */
    private static void addScaled(short[] sums, float[] scales, int so, float[] dx, int dxo, float[] acc, int ao) {
        for (int c = 0; c < HEIGHT; c++) {
            FloatVector d = FloatVector.broadcast(F, dx[dxo + c]);
            for (int t = 0; t < WIDTH; t += F.length()) {
                int a = ao + c * WIDTH + t;
                FloatVector.fromArray(F, scales, so + t).mul(d)
                        .fma(blockSums(sums, c * WIDTH + t), FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            }
        }
    }

    /**
     * {@link #addScaled} plus {@code offsets[so + t]·sx[dxo + c]}, in the same pass over {@code acc}
     * (a second pass cost Q4_K a tenth). Its own method: with a null test for the offsets inside
     * one loop, C2 failed to compile the method once Q4_0 had run first ("Bad graph detected in
     * build_loop_late"), and the C1 code left ran Q4_K 16 times slower.
     */
    private static void addScaledWithOffsets(short[] sums, float[] scales, float[] offsets, int so, float[] dx,
                                             float[] sx, int dxo, float[] acc, int ao) {
        for (int c = 0; c < HEIGHT; c++) {
            FloatVector d = FloatVector.broadcast(F, dx[dxo + c]);
            FloatVector columnSum = FloatVector.broadcast(F, sx[dxo + c]);
            for (int t = 0; t < WIDTH; t += F.length()) {
                int a = ao + c * WIDTH + t;
                FloatVector r = FloatVector.fromArray(F, scales, so + t).mul(d).fma(blockSums(sums, c * WIDTH + t),
                        FloatVector.fromArray(F, acc, a));
                FloatVector.fromArray(F, offsets, so + t).fma(columnSum, r).intoArray(acc, a);
            }
        }
    }

    /** A float vector of a block's 16-bit sums from {@code sums[at]}. */
    private static FloatVector blockSums(short[] sums, int at) {
        return (FloatVector) ShortVector.fromArray(HALF, sums, at).convertShape(VectorOperators.S2F, F, 0);
    }
}
