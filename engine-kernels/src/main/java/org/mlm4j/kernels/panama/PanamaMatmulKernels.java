package org.mlm4j.kernels.panama;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.mlm4j.kernels.Activations;
import org.mlm4j.kernels.MatmulArguments;
import org.mlm4j.kernels.MatmulKernels;
import org.mlm4j.kernels.Parallel;
import org.mlm4j.tensor.Blocks;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.HalfFloats;
import org.mlm4j.tensor.Tensor;

/**
 * Vector API matmul. Activations are converted once per call as ggml does ({@link Activations})
 * and then read as the floats they stand for; weight rows are split over the {@link Parallel} pool
 * in chunks of a multiple of 4 rows.
 *
 * <ul>
 *   <li>Decode (batch 1) of Q4_0 / Q8_0 / Q2_K-Q6_K: {@link MatvecKernels}, straight from the
 *       blocks, tiles of 4 rows taken 2 at a time, each pair's cache lines read in one burst before
 *       it is multiplied ({@link LinesAhead}: from memory, the loops alone keep too few lines in
 *       flight); Q2_K and Q3_K row by row, with a burst per row. Of F16 and BF16: each 4-row tile is converted to floats
 *       and multiplied ({@link MatmulTiles#tile4x1}) before the next is read, so weight reads and
 *       FMAs interleave (a whole-chunk panel converts, then multiplies). Converting in registers
 *       ({@link F16Vectors}, ~10 vector operations per vector) measured ~35 % slower than the
 *       hardware conversion C2 emits for the loop in {@link HalfFloats#f16ToF32} (bench/README.md).</li>
 *   <li>Everything else: each tile of 4 weight rows is unpacked once into a float panel
 *       ({@link WeightPanels}) and multiplied against the activation rows 4 at a time
 *       ({@link MatmulTiles}); block offsets (Q4_1, Q5_1, Q2_K, Q4_K, Q5_K) are added per
 *       sub-block from the activation sums ggml uses (Q8_1 {@code s}, Q8_K {@code bsums}).</li>
 *   <li>Q4_0 and Q4_K weights with ggml numerics, batches of {@code NIBBLE_MIN_BATCH} rows and
 *       more (prompts): {@link NibbleTiles}, integer block sums on 16-bit lanes.</li>
 *   <li>Batches of {@code OUTER_MIN_BATCH} rows and more (prompts, the ViT; 8 lanes or more): the
 *       weights transposed into 64-byte aligned off-heap tiles (Q4_0 / Q8_0 / Q4_K / Q5_K / Q6_K decoded straight into
 *       them, the others unpacked and transposed), multiplied as outer products against 6
 *       activation rows at a time ({@link #outerPanels}).</li>
 * </ul>
 * Integer parts are exact; the results differ from the scalar twin only by float summation order.
 */
final class PanamaMatmulKernels implements MatmulKernels {
    /**
     * Weight bytes per pool chunk of a decode matvec ({@link Parallel#grain} still gives every thread
     * several): large enough that the pool's hand-offs cost nothing measurable.
     */
    private static final long CHUNK_BYTES = 512 << 10;
    private static final int TILE_ROWS = 4;
    /** Activation rows multiplied per pass over a chunk's panel: about this many bytes of them. */
    private static final long X_BLOCK_BYTES = 256 << 10;
    /** Bytes of unpacked floats per pool chunk in batched products. */
    private static final long PANEL_BYTES = 128 << 10;
    /**
     * From this batch on, the outer-product tiles ({@link #outerPanels}); below it the inner-product
     * 4x4 tiles, which need no transposed panel. Measured (best call, one thread, load 3-5, outer vs
     * inner). 512 bits: Q4_0 2048x2048 batch 16 2.0 vs 2.5 ms (inner wins), Q8_0 batch 24 2.7-3.6
     * vs 2.9-3.1 ms (even), Q4_0 batch 32 3.4-3.7 vs 3.7 ms, Q8_0 batch 48 4.3 vs 5.2 ms, F16
     * 1024x1024 batch 32 0.82 vs 0.97 ms, Q4_0 batch 64 5.8 vs 7.3 ms. 256 bits, with the aligned
     * decoded tiles (GFLOP/s, load 1-2.2): batch 128 Q4_0 92-93 vs 98-107, Q8_0 88 vs 100-108, Q4_K
     * 82-83 vs 86-88, F16 93 vs 102; batch 192 Q4_0 93 vs 97-99, F16 96-98 vs 99; batch 256 Q4_0
     * 98 vs 81-91, Q8_0 95 vs 87-89 (F16 94 vs 105); batch 512 Q4_0 92-94 vs 73-83, F16 batch 577
     * 99 vs 88-93.
     * 128 bits: the inner tiles win at every batch (F16 batch 577 24 vs 29 ms, Q4_0 batch 512 82 vs
     * 116 ms: 4-lane FMAs leave the 6 broadcasts per step and the transpose too little to hide in).
     */
    private static final int OUTER_MIN_BATCH = switch (VectorConstants.F.length()) {
        case 4 -> Integer.MAX_VALUE;
        case 8 -> 256;
        default -> 32;
    };
    /**
     * From this batch on, Q4_0 and Q4_K weights with ggml numerics take {@link NibbleTiles}, at every width.
     * 2048x2048, one thread, GFLOP/s of the previous path vs these tiles: 512 bits batch 12 78 vs
     * 80, 16 83 vs 83, 24 88 vs 99, 32 71 vs 97; 256 bits 12 69 vs 71, 16 75 vs 73, 24 83 vs 90;
     * 128 bits 16 39 vs 41, 24 44 vs 49 (a last group of 6 activation rows only partly filled costs
     * these tiles its share).
     */
    private static final int NIBBLE_MIN_BATCH = 24;
    /**
     * Columns per pass of an outer-product tile: its slice of the transposed panel is 32 KiB, in L1
     * (a multiple of {@link MatmulTiles#FLOAT_SUM_BLOCK} at every vector width).
     */
    private static final int OUTER_K_BLOCK = (32 << 10) / (4 * MatmulTiles.OUTER_ROWS);
    /**
     * Columns of a weight tile unpacked and transposed at a time: whole K-quant super-blocks and
     * whole {@code OUTER_K_BLOCK} slices, so that the tile's floats stay in L2 however long its rows.
     */
    private static final int OUTER_UNPACK_COLS = Math.max(256, OUTER_K_BLOCK);
    /**
     * Partial sums and transposed weights per pool chunk of the outer-product path: half of L2, so
     * that a slice of the activations stays there while every tile of the chunk passes over it.
     */
    private static final long OUTER_CHUNK_BYTES = 1 << 20;

    @Override
    public void matmul(Tensor w, float[] x, int xOffset, float[] y, int yOffset, int batch, Numerics numerics) {
        MatmulArguments.check(w, x, xOffset, y, yOffset, batch);
        int rows = (int) w.rows();
        int cols = w.cols();
        if (batch == 0 || rows == 0) {
            return;
        }
        GgmlType type = w.type();
        Activations a = Activations.of(type, numerics, x, xOffset, cols, batch, PanamaQuantize.CONVERTER);
        float[] xs = a.format().isQuantized() ? a.dequantized() : a.values();
        int xo = a.format().isQuantized() ? 0 : a.valuesOffset();
        if (batch == 1 && type == GgmlType.Q6_K) {
            q6_KMatvec(w, xs, xo, groupSums(a, xs, xo, 16), y, yOffset, rows, cols,
                    Parallel.grain(rows, w.rowBytes(), CHUNK_BYTES, 2));
        } else if (batch == 1 && (type == GgmlType.Q3_K || type == GgmlType.Q2_K)) {
            rowByRowMatvec(w, xs, xo, groupSums(a, xs, xo, 16), y, yOffset, rows, cols,
                    Parallel.grain(rows, w.rowBytes(), CHUNK_BYTES, 1));
        } else if (batch == 1 && (type == GgmlType.Q4_K || type == GgmlType.Q5_K)) {
            kQuantMatvec(w, xs, xo, groupSums(a, xs, xo, 32), y, yOffset, rows, cols,
                    Parallel.grain(rows, w.rowBytes(), CHUNK_BYTES, 2));
        } else if (batch == 1 && (type == GgmlType.Q4_0 || type == GgmlType.Q8_0 || type == GgmlType.F16
                || type == GgmlType.BF16)) {
            matvec(w, xs, xo, y, yOffset, rows, cols, Parallel.grain(rows, w.rowBytes(), CHUNK_BYTES, TILE_ROWS));
        } else if (batch >= NIBBLE_MIN_BATCH && NibbleTiles.multiplies(type, a.format())) {
            nibbleProducts(w, a, xs, xo, y, yOffset, batch, rows, cols);
        } else if (batch < OUTER_MIN_BATCH) {
            panels(w, a, xs, xo, y, yOffset, batch, rows, cols, Parallel.grain(rows, 4L * cols, PANEL_BYTES, TILE_ROWS));
        } else {
            outerPanels(w, a, xs, xo, y, yOffset, batch, rows, cols);
        }
    }

    @Override
    public long streamRead(MemorySegment data, long from, long to) {
        VectorSpecies<Long> species = VectorConstants.L;
        int step = 4 * species.vectorByteSize();
        LongVector a = LongVector.zero(species);
        LongVector b = a;
        LongVector c = a;
        LongVector d = a;
        for (long i = from; i < to; i += step) {
            a = a.add(LongVector.fromMemorySegment(species, data, i, ByteOrder.LITTLE_ENDIAN));
            b = b.add(LongVector.fromMemorySegment(species, data, i + species.vectorByteSize(), ByteOrder.LITTLE_ENDIAN));
            c = c.add(LongVector.fromMemorySegment(species, data, i + 2L * species.vectorByteSize(), ByteOrder.LITTLE_ENDIAN));
            d = d.add(LongVector.fromMemorySegment(species, data, i + 3L * species.vectorByteSize(), ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c).add(d).reduceLanes(VectorOperators.ADD);
    }

    @Override
    public float fmaChains(float multiplier, float addend, long steps) {
        FloatVector m = FloatVector.broadcast(VectorConstants.F, multiplier);
        FloatVector c = FloatVector.broadcast(VectorConstants.F, addend);
        // FMA_CHAINS accumulators spelled out: vectors kept in an array would be boxed
        FloatVector a0 = c, a1 = c, a2 = c, a3 = c, a4 = c, a5 = c, a6 = c, a7 = c, a8 = c, a9 = c, a10 = c, a11 = c;
        for (long i = 0; i < steps; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }

    @Override
    public int fmaChainsFlopsPerStep() {
        return 2 * FMA_CHAINS * VectorConstants.F.length();
    }

    private static void matvec(Tensor w, float[] xs, int xo, float[] y, int yOffset, int rows, int cols, int grain) {
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int blocks = cols / 32;
        GgmlType type = w.type();
        float[] q4Offsets = type == GgmlType.Q4_0 ? MatvecKernels.q4_0Offsets(xs, xo, cols) : null;
        float[] q4Activations = type == GgmlType.Q4_0 ? MatvecKernels.q4_0Activations(xs, xo, cols) : null;
        Parallel.forRange(rows, grain, (r0, r1) -> {
            Scratch s = Scratch.get();
            float[] out = s.out;
            float[] lanes = s.lanes;
            long[] tileRows = s.tileRows;
            LinesAhead ahead = s.ahead;
            long end = r1 * rowBytes;
            if (type.isQuantized()) {
                // only Q4_0 / Q8_0 rows are read ahead: F16 / BF16 rows stream through their conversion
                ahead.startQ4_0OrQ8_0(r0 * rowBytes, cols);
            }
            for (int r = r0; r < r1; r += TILE_ROWS) {
                tileOffsets(r, r1, rowBytes, tileRows);
                if (!type.isQuantized()) {
                    // fp16 / bf16 → float (the plain loop C2 compiles to vcvtph2ps; Bf16Rows), 4 rows at
                    // a time into a panel that stays in L1/L2, multiplied before the next rows are read
                    float[] panel = s.panel(TILE_ROWS * cols);
                    for (int t = 0; t < TILE_ROWS; t++) {
                        if (type == GgmlType.F16) {
                            HalfFloats.f16ToF32(data, tileRows[t], panel, t * cols, cols);
                        } else {
                            Bf16Rows.toFloats(data, tileRows[t], panel, t * cols, cols);
                        }
                    }
                    MatmulTiles.tile4x1(panel, 0, cols, xs, xo, out, lanes);
                } else {
                    for (int pair = 0; pair < TILE_ROWS; pair += 2) {
                        ahead.rows(data, (r + pair) * rowBytes, Math.min(end, (r + pair + 2) * rowBytes), rowBytes);
                        if (q4Offsets != null) {
                            MatvecKernels.q4_0Rows2(data, tileRows, pair, blocks, q4Activations, q4Offsets, out, lanes);
                        } else {
                            MatvecKernels.q8_0Rows2(data, tileRows, pair, blocks, xs, xo, out, lanes);
                        }
                    }
                }
                int n = Math.min(TILE_ROWS, r1 - r);
                System.arraycopy(out, 0, y, yOffset + r, n);
            }
        });
    }

    /**
     * Q6_K decode: {@link MatvecKernels#q6_KRows2} over pairs of rows (an odd last row repeats
     * itself), the −32 met by the 16-value group sums.
     */
    private static void q6_KMatvec(Tensor w, float[] xs, int xo, float[] groupSums, float[] y, int yOffset,
                                   int rows, int cols, int grain) {
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int blocks = cols / Blocks.QK_K;
        Parallel.forRange(rows, grain, (r0, r1) -> {
            Scratch s = Scratch.get();
            float[] scales0 = s.mins(16 * blocks);
            float[] scales1 = s.acc(16 * blocks);
            s.ahead.start(r0 * rowBytes);
            for (int r = r0; r < r1; r += 2) {
                // the pair's lines in one burst (2048x2048 from memory, row by row then, mean of
                // calls: 5.0 → 5.5 GB/s at one thread, 8.5 → 10.3 at two, bench/README.md)
                s.ahead.rows(data, r * rowBytes, Math.min(r + 2, r1) * rowBytes, rowBytes);
                long o0 = r * rowBytes, o1 = Math.min(r + 1, r1 - 1) * rowBytes;
                MatvecKernels.groupScales(data, o0, blocks, scales0);
                MatvecKernels.groupScales(data, o1, blocks, scales1);
                MatvecKernels.q6_KRows2(data, o0, o1, blocks, xs, xo, scales0, scales1, s.lanes);
                // offset reuses the lanes as its own scratch, so the rows' sums are taken first
                float dot0 = Lanes.sum(s.lanes, 0), dot1 = Lanes.sum(s.lanes, VectorConstants.F.length());
                y[yOffset + r] = dot0 - 32 * MatvecKernels.offset(scales0, 0, groupSums, 16 * blocks, s.lanes);
                if (r + 1 < r1) {
                    y[yOffset + r + 1] = dot1 - 32 * MatvecKernels.offset(scales1, 0, groupSums, 16 * blocks, s.lanes);
                }
            }
        });
    }

    /**
     * Q3_K / Q2_K decode: {@link MatvecKernels#q3_KRow} / {@link MatvecKernels#q2_KRow} row by row,
     * the −4 / min offsets met by the 16-value group sums.
     */
    private static void rowByRowMatvec(Tensor w, float[] xs, int xo, float[] groupSums, float[] y, int yOffset,
                                       int rows, int cols, int grain) {
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int blocks = cols / Blocks.QK_K;
        boolean q2 = w.type() == GgmlType.Q2_K;
        Parallel.forRange(rows, grain, (r0, r1) -> {
            Scratch s = Scratch.get();
            float[] scales = s.mins(16 * blocks);
            float[] mins = s.acc(16 * blocks);
            s.ahead.start(r0 * rowBytes);
            for (int r = r0; r < r1; r++) {
                long row = r * rowBytes;
                // the row's lines in one burst, as for Q6_K
                s.ahead.rows(data, row, row + rowBytes, rowBytes);
                float dot;
                // offset reuses the lanes as its own scratch, so the row's sum is taken first
                if (q2) {
                    MatvecKernels.q2_KGroupScales(data, row, blocks, scales, mins);
                    MatvecKernels.q2_KRow(data, row, blocks, xs, xo, scales, s.lanes);
                    dot = Lanes.sum(s.lanes, 0);
                    dot -= MatvecKernels.offset(mins, 0, groupSums, 16 * blocks, s.lanes);
                } else {
                    MatvecKernels.q3_KGroupScales(data, row, blocks, scales);
                    MatvecKernels.q3_KRow(data, row, blocks, xs, xo, scales, s.lanes);
                    dot = Lanes.sum(s.lanes, 0);
                    dot -= 4 * MatvecKernels.offset(scales, 0, groupSums, 16 * blocks, s.lanes);
                }
                y[yOffset + r] = dot;
            }
        });
    }

    /**
     * Q4_K / Q5_K decode: {@link MatvecKernels#kQuantRows2} over pairs of rows; an odd last row
     * repeats itself.
     */
    private static void kQuantMatvec(Tensor w, float[] xs, int xo, float[] groupSums, float[] y, int yOffset, int rows,
                                     int cols, int grain) {
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int blocks = cols / Blocks.QK_K;
        float[] minSums = MatvecKernels.q4_KMinSums(groupSums, blocks);
        boolean q5 = w.type() == GgmlType.Q5_K;
        int blockBytes = w.type().typeSize;
        Parallel.forRange(rows, grain, (r0, r1) -> {
            Scratch s = Scratch.get();
            float[] out = s.out;
            float[] factors = s.mins(2 * 16 * blocks);
            s.ahead.start(r0 * rowBytes);
            for (int r = r0; r < r1; r += 2) {
                // this pair's lines (with the next pair's too, as when the kernel read their headers
                // ahead: 5.5 instead of 7.2 GB/s from memory, one thread, bench/README.md)
                s.ahead.rows(data, r * rowBytes, Math.min(r + 2, r1) * rowBytes, rowBytes);
                long o0 = r * rowBytes, o1 = Math.min(r + 1, r1 - 1) * rowBytes;
                float offset0 = MatvecKernels.subBlockFactors(data, o0, blockBytes, 0, blocks, minSums, factors, s.lanes);
                float offset1 = MatvecKernels.subBlockFactors(data, o1, blockBytes, 1, blocks, minSums, factors, s.lanes);
                MatvecKernels.kQuantRows2(data, o0, o1, blocks, q5, xs, xo, factors, offset0, offset1, out, 0, s.lanes);
                System.arraycopy(out, 0, y, yOffset + r, Math.min(2, r1 - r));
            }
        });
    }

    /**
     * Byte offsets of the 4 rows of the tile at {@code r} into {@code offsets[0..3]}; rows past
     * {@code end - 1} repeat the last row (their results are dropped).
     */
    private static void tileOffsets(int r, int end, long rowBytes, long[] offsets) {
        for (int t = 0; t < TILE_ROWS; t++) {
            offsets[t] = Math.min(r + t, end - 1) * rowBytes;
        }
    }

    /**
     * Each pool chunk of rows is unpacked once into one panel (a few hundred KiB at most), then
     * multiplied against the activations a block of rows at a time, sized so that the block and the
     * panel stay in L2 while every 4-row tile of the chunk passes over the block.
     */
    private static void panels(Tensor w, Activations a, float[] xs, int xo, float[] y, int yOffset, int batch,
                               int rows, int cols, int grain) {
        GgmlType type = w.type();
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int group = WeightPanels.minGroup(type);
        int groups = group == 0 ? 0 : cols / group;
        float[] groupSums = group == 0 ? null : groupSums(a, xs, xo, group);
        int xBlock = Math.max(TILE_ROWS, (int) (X_BLOCK_BYTES / (4L * cols)) / TILE_ROWS * TILE_ROWS);
        Parallel.forRange(rows, grain, (r0, r1) -> {
            int tiles = (r1 - r0 + TILE_ROWS - 1) / TILE_ROWS;
            Scratch s = Scratch.get();
            float[] panel = s.panel(tiles * TILE_ROWS * cols);
            float[] mins = s.mins(tiles * TILE_ROWS * groups);
            float[] out = s.out;
            float[] offsets = s.offsets;
            if (groups == 0) {
                Arrays.fill(offsets, 0f);
            }
            float[] lanes = s.lanes;
            for (int r = r0; r < r1; r++) {
                int t = r - r0;
                WeightPanels.unpack(type, data, r * rowBytes, cols, panel, t * cols, mins, t * groups);
            }
            // Rows past r1 in the last tile multiply as zeros; their outputs are not stored.
            Arrays.fill(panel, (r1 - r0) * cols, tiles * TILE_ROWS * cols, 0f);
            for (int b0 = 0; b0 < batch; b0 += xBlock) {
                int b1 = Math.min(batch, b0 + xBlock);
                for (int r = r0; r < r1; r += TILE_ROWS) {
                    int n = Math.min(TILE_ROWS, r1 - r);
                    int po = (r - r0) * cols;
                    int mo = (r - r0) * groups;
                    int b = b0;
                    // the block offsets times the activation sums: the same tile over the groups
                    for (; b + TILE_ROWS <= b1; b += TILE_ROWS) {
                        MatmulTiles.tile4x4(panel, po, cols, xs, xo + b * cols, xo + (b + 1) * cols,
                                xo + (b + 2) * cols, xo + (b + 3) * cols, out, lanes);
                        if (groups != 0) {
                            MatmulTiles.tile4x4(mins, mo, groups, groupSums, b * groups, (b + 1) * groups,
                                    (b + 2) * groups, (b + 3) * groups, offsets, lanes);
                        }
                        for (int c = 0; c < TILE_ROWS; c++) {
                            for (int t = 0; t < n; t++) {
                                y[yOffset + (b + c) * rows + r + t] = out[TILE_ROWS * t + c] + offsets[TILE_ROWS * t + c];
                            }
                        }
                    }
                    for (; b < b1; b++) {
                        MatmulTiles.tile4x1(panel, po, cols, xs, xo + b * cols, out, lanes);
                        if (groups != 0) {
                            MatmulTiles.tile4x1(mins, mo, groups, groupSums, b * groups, offsets, lanes);
                        }
                        for (int t = 0; t < n; t++) {
                            y[yOffset + b * rows + r + t] = out[t] + offsets[t];
                        }
                    }
                }
            }
        });
    }

    /**
     * Large batches (prompt prefill, ViT): the activation rows are interleaved 6 at a time
     * ({@link #interleave}); the weights go in tiles of {@code OUTER_ROWS} rows, transposed (the
     * tile's weights of one column side by side), and each 32 KiB slice of a tile (kept in L1) is
     * multiplied against every group of 6 activation rows ({@link MatmulTiles#outer6x4}) into
     * per-row partial sums (batch · OUTER_ROWS floats per tile; a pool chunk holds several tiles).
     * Q4_0, Q8_0 and Q4_K tiles are decoded slice by slice straight into that layout
     * ({@link #decodedSlices}), the other types unpacked row by row and transposed
     * ({@link #unpackedSlices}).
     * Each output is the in-order sum of its 32-column block sums (128 for float weights), then of
     * the 32-group block sums of its block offsets times the activation sums (Q4_1, Q5_1, Q2_K, Q4_K,
     * Q5_K: the same product over the groups, with the offsets transposed), so the tile and chunk
     * boundaries (and the thread count) do not change it. The last group's rows past the batch are
     * zeros whose partial sums are never read.
     */
    private static void outerPanels(Tensor w, Activations a, float[] xs, int xo, float[] y, int yOffset, int batch,
                                    int rows, int cols) {
        GgmlType type = w.type();
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int group = WeightPanels.minGroup(type);
        int groups = group == 0 ? 0 : cols / group;
        float[] groupSums = group == 0 ? null : groupSums(a, xs, xo, group);
        int width = MatmulTiles.OUTER_ROWS;
        int height = MatmulTiles.OUTER_BATCH;
        int rowGroups = (batch + height - 1) / height;
        int sumBlock = type.blockSize == 1 ? MatmulTiles.FLOAT_SUM_BLOCK : MatmulTiles.SUM_BLOCK;
        float[] xi = interleave(xs, xo, batch, cols, rowGroups);
        float[] sumsInterleaved = group == 0 ? null : interleave(groupSums, 0, batch, groups, rowGroups);
        int tileAcc = rowGroups * height * width;
        int grain = Parallel.grain(rows, 4L * (rowGroups * height + OUTER_UNPACK_COLS), OUTER_CHUNK_BYTES, width);
        boolean direct = WeightPanels.unpacksTransposed(type);
        Parallel.forRange(rows, grain, (r0, r1) -> {
            Scratch s = Scratch.get();
            int tiles = (r1 - r0 + width - 1) / width;
            float[] acc = s.zeroedAcc(tiles * tileAcc);
            if (direct) {
                decodedSlices(type, data, rowBytes, r0, r1, cols, xi, rowGroups, acc, tileAcc, sumBlock, s);
            } else {
                unpackedSlices(type, data, rowBytes, r0, r1, cols, xi, rowGroups, acc, tileAcc, sumBlock, s);
            }
            if (group != 0) {
                // the offsets (−dmin·min per group) times the activation sums: one more product of the
                // same form, over the groups, with the offsets of each tile transposed
                float[] mins = s.mins(tiles * width * groups);
                MemorySegment offsetPanel = s.tiles(tiles * groups * width);
                // rows past r1 (the last tile's padding) meet the activations with zero offsets
                Arrays.fill(mins, (r1 - r0) * groups, tiles * width * groups, 0f);
                for (int t0 = 0; t0 < tiles * width; t0 += VectorConstants.F.length()) {
                    MatmulTiles.transpose(mins, t0 * groups, groups, offsetPanel,
                            t0 / width * groups * width + t0 % width, s.rowStarts);
                }
                multiplySlices(offsetPanel, groups * width, 0, groups, groups, sumsInterleaved, rowGroups, acc, tileAcc,
                        tiles, MatmulTiles.SUM_BLOCK);
            }
            storeTiles(acc, tileAcc, width, r0, r1, batch, y, yOffset, rows);
        });
    }

    /**
     * Q4_0 / Q4_K weights times Q8_0 / Q8_K activations from {@code NIBBLE_MIN_BATCH} rows on, on
     * 16-bit lanes ({@link NibbleTiles}): the activation quants interleaved once; in each pool chunk, slice by
     * slice of {@link NibbleTiles#K_BLOCK} columns, every tile of weight rows decoded just before every
     * group of activation rows meets it. Rows past the tensor's last one multiply as zeros, never
     * stored.
     */
    private static void nibbleProducts(Tensor w, Activations a, float[] xs, int xo, float[] y, int yOffset, int batch,
                                       int rows, int cols) {
        GgmlType type = w.type();
        boolean offsets = type == GgmlType.Q4_K;
        int width = NibbleTiles.WIDTH;
        int height = NibbleTiles.HEIGHT;
        int kBlock = NibbleTiles.K_BLOCK;
        int rowGroups = (batch + height - 1) / height;
        short[] x = new short[rowGroups * height * cols];
        float[] dx = new float[rowGroups * height * cols / 32];
        float[] sx = offsets ? new float[dx.length] : null;
        NibbleTiles.interleave(a, offsets ? groupSums(a, xs, xo, 32) : null, rowGroups, x, dx, sx);
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int tileAcc = rowGroups * height * width;
        int grain = Parallel.grain(rows, 4L * (rowGroups * height + kBlock), OUTER_CHUNK_BYTES, width);
        Parallel.forRange(rows, grain, (r0, r1) -> {
            Scratch s = Scratch.get();
            int tiles = (r1 - r0 + width - 1) / width;
            float[] acc = s.zeroedAcc(tiles * tileAcc);
            MemorySegment panel = s.tiles(width * kBlock / 2);
            float[] scales = s.scales(width * kBlock / 32);
            float[] rowOffsets = offsets ? s.mins(width * kBlock / 32) : null;
            int[] words = s.words(width * kBlock / 8);
            for (int k0 = 0; k0 < cols; k0 += kBlock) {
                int kc = Math.min(kBlock, cols - k0);
                for (int r = r0, q = 0; r < r1; r += width, q++) {
                    NibbleTiles.decode(type, data, r * rowBytes, rowBytes, Math.min(width, r1 - r), k0, kc, panel,
                            scales, rowOffsets, words);
                    for (int g = 0; g < rowGroups; g++) {
                        int at = height * (rowGroups * k0 + g * kc);
                        NibbleTiles.tile(panel, kc, x, at, dx, sx, at / 32, scales, rowOffsets, acc,
                                q * tileAcc + g * height * width, s.sums);
                    }
                }
            }
            storeTiles(acc, tileAcc, width, r0, r1, batch, y, yOffset, rows);
        });
    }

    /**
     * The outputs of rows {@code [r0, r1)} from the outer-product tiles' partial sums: tile q's
     * ({@code width} rows from {@code r0 + q·width}, {@code tileAcc} floats at {@code q·tileAcc})
     * row b at {@code b·width}, to {@code y[yOffset + b·rows + r]}; rows past {@code r1} are dropped.
     */
    private static void storeTiles(float[] acc, int tileAcc, int width, int r0, int r1, int batch, float[] y,
                                   int yOffset, int rows) {
        for (int r = r0, q = 0; r < r1; r += width, q++) {
            for (int b = 0; b < batch; b++) {
                System.arraycopy(acc, q * tileAcc + b * width, y, yOffset + b * rows + r, Math.min(width, r1 - r));
            }
        }
    }

    /**
     * The weight tiles of rows {@code [r0, r1)} ({@link WeightPanels#unpacksTransposed} types) times
     * the interleaved activations into {@code acc}: slice by slice of {@code OUTER_K_BLOCK} columns,
     * each tile's slice decoded straight into the transposed layout ({@link WeightPanels#transposed},
     * 32 KiB, in L1) just before every group of activation rows meets it.
     */
    private static void decodedSlices(GgmlType type, MemorySegment data, long rowBytes, int r0, int r1, int cols,
                                      float[] xi, int rowGroups, float[] acc, int tileAcc, int sumBlock, Scratch s) {
        int width = MatmulTiles.OUTER_ROWS;
        int height = MatmulTiles.OUTER_BATCH;
        int tiles = (r1 - r0 + width - 1) / width;
        int group = WeightPanels.minGroup(type);
        int groups = group == 0 ? 0 : cols / group;
        MemorySegment panel = s.tiles(width * OUTER_K_BLOCK);
        int[] words = s.words(width * OUTER_K_BLOCK / 4);
        float[] scales = s.scales(width * OUTER_K_BLOCK / 16);
        float[] mins = s.mins(tiles * width * groups);
        for (int k0 = 0; k0 < cols; k0 += OUTER_K_BLOCK) {
            int kc = Math.min(OUTER_K_BLOCK, cols - k0);
            for (int r = r0, q = 0; r < r1; r += width, q++) {
                WeightPanels.transposed(type, data, r * rowBytes, rowBytes, Math.min(width, r1 - r), k0, kc, panel,
                        words, scales, mins, q * width * groups, groups);
                for (int g = 0; g < rowGroups; g++) {
                    MatmulTiles.outer6x4(panel, 0, kc, xi, height * (rowGroups * k0 + g * kc), acc,
                            q * tileAcc + g * height * width, sumBlock);
                }
            }
        }
    }

    /**
     * The other types: each tile of rows {@code [r0, r1)} unpacked row-major ({@link WeightPanels#unpack})
     * and transposed ({@link MatmulTiles#transpose}) {@code OUTER_UNPACK_COLS} columns at a time, a
     * vector's worth of rows at a time (16 KiB at most, still in L1 when transposed), then those
     * columns multiplied slice by slice ({@link #multiplySlices}); the block offsets go to
     * {@code s.mins} (row {@code t − r0}'s at {@code (t − r0)·groups}). Rows past {@code r1}
     * multiply as zeros, never stored.
     */
    private static void unpackedSlices(GgmlType type, MemorySegment data, long rowBytes, int r0, int r1, int cols,
                                       float[] xi, int rowGroups, float[] acc, int tileAcc, int sumBlock, Scratch s) {
        int width = MatmulTiles.OUTER_ROWS;
        int lanes = VectorConstants.F.length();
        int tiles = (r1 - r0 + width - 1) / width;
        int group = WeightPanels.minGroup(type);
        int groups = group == 0 ? 0 : cols / group;
        long rangeBytes = (long) OUTER_UNPACK_COLS / type.blockSize * type.typeSize;
        int tilePanel = width * OUTER_UNPACK_COLS;
        int stagingAt = tiles * tilePanel;
        MemorySegment panel = s.tiles(stagingAt);
        float[] staging = s.panel(lanes * OUTER_UNPACK_COLS);
        float[] mins = s.mins(tiles * width * groups);
        for (int u0 = 0; u0 < cols; u0 += OUTER_UNPACK_COLS) {
            int uc = Math.min(OUTER_UNPACK_COLS, cols - u0);
            long columnAt = u0 / OUTER_UNPACK_COLS * rangeBytes;
            for (int t0 = 0; t0 < tiles * width; t0 += lanes) {
                for (int t = t0; t < t0 + lanes; t++) {
                    int at = (t - t0) * uc;
                    if (r0 + t < r1) {
                        WeightPanels.unpack(type, data, (r0 + t) * rowBytes + columnAt, uc, staging, at, mins,
                                t * groups + (group == 0 ? 0 : u0 / group));
                    } else {
                        Arrays.fill(staging, at, at + uc, 0f);
                    }
                }
                MatmulTiles.transpose(staging, 0, uc, panel, t0 / width * tilePanel + t0 % width, s.rowStarts);
            }
            multiplySlices(panel, tilePanel, u0, u0 + uc, cols, xi, rowGroups, acc, tileAcc, tiles, sumBlock);
        }
    }

    /**
     * {@code acc} (a tile of partial sums after another, {@code tileAcc} floats each) += the columns
     * {@code [from, to)} of a {@code total}-column product: the transposed panel of each tile (at
     * {@code q·tileStride}, column {@code k} at {@code (k − from)·OUTER_ROWS}) times the interleaved
     * activation rows ({@link #interleave}). Each slice of activations (all rows, OUTER_K_BLOCK
     * columns) meets every tile in turn, while it is in L2.
     */
    private static void multiplySlices(MemorySegment panel, int tileStride, int from, int to, int total, float[] xi,
                                       int rowGroups, float[] acc, int tileAcc, int tiles, int sumBlock) {
        int width = MatmulTiles.OUTER_ROWS;
        int height = MatmulTiles.OUTER_BATCH;
        for (int k0 = from; k0 < to; k0 += OUTER_K_BLOCK) {
            int kc = Math.min(OUTER_K_BLOCK, total - k0);
            for (int q = 0; q < tiles; q++) {
                for (int g = 0; g < rowGroups; g++) {
                    MatmulTiles.outer6x4(panel, q * tileStride + (k0 - from) * width, kc, xi,
                            height * (rowGroups * k0 + g * kc), acc, q * tileAcc + g * height * width, sumBlock);
                }
            }
        }
    }

    /**
     * The activation rows in groups of {@link MatmulTiles#OUTER_BATCH}, slice by slice of
     * {@code OUTER_K_BLOCK} columns (so that one slice of every row is contiguous), each group's
     * values of one column side by side: row {@code 6g + c}, column {@code k0 + j} of the slice at
     * {@code k0} (holding {@code kc} columns) at {@code [6·(rowGroups·k0 + g·kc + j) + c]}. Rows past
     * the batch are zeros.
     */
    private static float[] interleave(float[] xs, int xo, int batch, int cols, int rowGroups) {
        int height = MatmulTiles.OUTER_BATCH;
        float[] xi = new float[rowGroups * height * cols];
        Parallel.forRange(batch, Parallel.grain(batch, 4L * cols, PANEL_BYTES, 1), (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                int g = b / height;
                int c = b % height;
                for (int k0 = 0; k0 < cols; k0 += OUTER_K_BLOCK) {
                    int kc = Math.min(OUTER_K_BLOCK, cols - k0);
                    int to = height * (rowGroups * k0 + g * kc) + c;
                    int from = xo + b * cols + k0;
                    for (int j = 0; j < kc; j++) {
                        xi[to + height * j] = xs[from + j];
                    }
                }
            }
        });
        return xi;
    }

    /** Per-thread work arrays, grown on demand and kept: no allocation per call in steady state. */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> OF_THREAD = ThreadLocal.withInitial(Scratch::new);

        final float[] out = new float[TILE_ROWS * TILE_ROWS];
        /** Offset terms of a tile's outputs (zeros for types without offsets). */
        final float[] offsets = new float[TILE_ROWS * TILE_ROWS];
        final long[] tileRows = new long[TILE_ROWS];
        final float[] lanes = new float[Lanes.scratch(TILE_ROWS * TILE_ROWS)];
        final LinesAhead ahead = new LinesAhead();
        final int[] rowStarts = new int[VectorConstants.F.length()];
        /** A {@link NibbleTiles#tile}'s block sums. */
        final short[] sums = new short[NibbleTiles.HEIGHT * NibbleTiles.WIDTH];
        private float[] panel = new float[0];
        private float[] mins = new float[0];
        private float[] acc = new float[0];
        /** Transposed weight tiles for the outer-product tiles, 64-byte aligned (vector loads split no cache line). */
        private MemorySegment tiles = MemorySegment.NULL;
        private int[] words = new int[0];
        private float[] scales = new float[0];

        static Scratch get() {
            return OF_THREAD.get();
        }

        float[] panel(int n) {
            return panel = atLeast(panel, n);
        }

        float[] acc(int n) {
            return acc = atLeast(acc, n);
        }

        /** {@link #acc} with its first {@code n} floats zero: partial sums about to be accumulated. */
        float[] zeroedAcc(int n) {
            float[] a = acc(n);
            Arrays.fill(a, 0, n, 0f);
            return a;
        }

        float[] mins(int n) {
            return mins = atLeast(mins, n);
        }

        MemorySegment tiles(int floats) {
            if (tiles.byteSize() < 4L * floats) {
                tiles = Arena.ofAuto().allocate(4L * floats, 64);
            }
            return tiles;
        }

        int[] words(int n) {
            return words = words.length >= n ? words : new int[n];
        }

        float[] scales(int n) {
            return scales = atLeast(scales, n);
        }

        /** {@code a} when it holds {@code n} floats, else a new array that does. */
        private static float[] atLeast(float[] a, int n) {
            return a.length >= n ? a : new float[n];
        }
    }

    /**
     * The activation sums each weight offset multiplies, per row and group, as ggml forms them:
     * the Q8_1 {@code s}, {@code dX·Σbsums} for Q8_K, plain sums for float activations.
     */
    private static float[] groupSums(Activations a, float[] xs, int xo, int group) {
        int cols = a.cols();
        int groups = cols / group;
        float[] sums = new float[a.batch() * groups];
        for (int b = 0; b < a.batch(); b++) {
            for (int g = 0; g < groups; g++) {
                int gi = b * groups + g;
                // a statement, not a switch expression: the expression's pending store kept the
                // operand stack non-empty at the inner loops, and C2 could not compile them on stack
                // replacement ("OSR starts with non-empty stack")
                float sum = 0;
                switch (a.format()) {
                    case Q8_1 -> sum = a.s()[gi];
                    case Q8_K -> {
                        int perGroup = group / Activations.Q8K_GROUP;
                        int bsum = 0;
                        for (int j = 0; j < perGroup; j++) {
                            bsum += a.bsums()[gi * perGroup + j];
                        }
                        sum = a.d()[(b * cols + g * group) / 256] * bsum;
                    }
                    default -> {
                        for (int k = 0; k < group; k++) {
                            sum += xs[xo + b * cols + g * group + k];
                        }
                    }
                }
                sums[gi] = sum;
            }
        }
        return sums;
    }
}
