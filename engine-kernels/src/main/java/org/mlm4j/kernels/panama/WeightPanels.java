package org.mlm4j.kernels.panama;

import static org.mlm4j.kernels.panama.VectorConstants.B_TO_I;
import static org.mlm4j.kernels.panama.VectorConstants.B_TO_I_PARTS;
import static org.mlm4j.kernels.panama.VectorConstants.F;
import static org.mlm4j.kernels.panama.VectorConstants.I;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.mlm4j.tensor.Blocks;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.HalfFloats;
import org.mlm4j.tensor.LittleEndian;

/**
 * Unpacks one weight row into floats for {@link MatmulTiles}: element k of sub-block j becomes
 * {@code d·scale[j]·q[k]} (exact for the 32-blocks: an fp16 times a small integer), and the row's
 * offsets {@code −dmin·min[j]} go to a separate array, so that they meet the activations as ggml
 * forms them (the Q8_1 sum {@code s}, the Q8_K {@code bsums}). See {@link org.mlm4j.kernels.QuantBlock}
 * for the decoding this vectorizes, type by type.
 *
 * <p>Bytes are widened to int lanes ({@code B2I}) and converted to float: at 512 bits one 16-byte
 * load gives 16 lanes, at 256 an 8-byte load 8, at 128 an 8-byte load two vectors of 4.
 */
final class WeightPanels {
    private static final int L = I.length();
    private static final int BL = B_TO_I.length();


    private WeightPanels() {
    }

    /** Elements per offset entry for {@code type}, or 0 when its blocks have no offsets. */
    static int minGroup(GgmlType type) {
        return switch (type) {
            case Q4_1, Q5_1, Q4_K, Q5_K -> 32;
            case Q2_K -> 16;
            default -> 0;
        };
    }

    /**
     * Row at byte {@code offset} of {@code w}: {@code cols} floats to {@code panel[po..]} and, for
     * types with offsets, {@code cols / minGroup} of them to {@code mins[mo..]}.
     */
    static void unpack(GgmlType type, MemorySegment w, long offset, int cols, float[] panel, int po,
                       float[] mins, int mo) {
        switch (type) {
            case F32 -> MemorySegment.copy(w, LittleEndian.FLOAT, offset, panel, po, cols);
            case F16 -> HalfFloats.f16ToF32(w, offset, panel, po, cols);
            case BF16 -> Bf16Rows.toFloats(w, offset, panel, po, cols);
            case Q4_0 -> q4(w, offset, cols, panel, po, mins, mo, false);
            case Q4_1 -> q4(w, offset, cols, panel, po, mins, mo, true);
            case Q5_0 -> q5(w, offset, cols, panel, po, mins, mo, false);
            case Q5_1 -> q5(w, offset, cols, panel, po, mins, mo, true);
            case Q8_0 -> q8_0(w, offset, cols, panel, po);
            case Q4_K -> q45_K(w, offset, cols, panel, po, mins, mo, false);
            case Q5_K -> q45_K(w, offset, cols, panel, po, mins, mo, true);
            case Q2_K -> q2_K(w, offset, cols, panel, po, mins, mo);
            case Q3_K -> q3_K(w, offset, cols, panel, po);
            case Q6_K -> q6_K(w, offset, cols, panel, po);
            default -> throw new IllegalArgumentException("no weight rows of type " + type);
        }
    }

    /** Whether {@link #transposed} unpacks {@code type}; the others are unpacked row by row and transposed. */
    static boolean unpacksTransposed(GgmlType type) {
        return switch (type) {
            case Q4_0, Q8_0, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * An outer-product tile straight from the blocks: columns {@code [k0, k0 + kc)} (whole 32-blocks;
     * for Q4_K and Q5_K whole halves of super-blocks) of the {@code n ≤ OUTER_ROWS} rows at byte
     * {@code at + t·rowBytes} to float {@code (k − k0)·OUTER_ROWS + t} of {@code panel}; the tile's
     * rows from {@code n} on become zeros. Q4_K's and Q5_K's offsets {@code −dmin·min} go to
     * {@code mins[mo + t·groups + k/32]}.
     * A scalar pass puts the rows side by side, per 32 columns their scale
     * ({@code scales[(k − k0)/32·OUTER_ROWS + t]}) and per block (Q4_K, Q5_K: per 64 columns, whose
     * low and high nibbles share 32 bytes; Q5_K then the block's 32 bytes of fifth bits) the quant
     * bytes as ints ({@link #sideBySide}: int {@code j} at {@code words[(i·ints + j)·OUTER_ROWS + t]});
     * the vector pass then decodes a vector of rows at once, one int vector giving 4 columns (8 for
     * the two nibbles of Q4_0 / Q4_K / Q5_K) with shifts and masks. No transpose of floats, no byte
     * widening.
     * {@code words} holds {@code OUTER_ROWS·kc/4} ints, {@code scales} {@code OUTER_ROWS·kc/16}
     * floats. Q6_K: {@link #q6_KTransposed}.
     */
    static void transposed(GgmlType type, MemorySegment w, long at, long rowBytes, int n, int k0, int kc,
                           MemorySegment panel, int[] words, float[] scales, float[] mins, int mo, int groups) {
        if (type == GgmlType.Q6_K) {
            q6_KTransposed(w, at, rowBytes, n, k0, kc, panel, words, scales);
            return;
        }
        int width = MatmulTiles.OUTER_ROWS;
        boolean k = type == GgmlType.Q4_K || type == GgmlType.Q5_K;
        boolean q5 = type == GgmlType.Q5_K;
        // per unit of quant bytes: columns, ints of quants, ints in all (Q5_K: and of its fifth bits)
        int unitCols = k ? 64 : 32;
        int ints = type == GgmlType.Q4_0 ? 4 : 8;
        int unitInts = q5 ? 2 * ints : ints;
        for (int u = 0; u < kc / unitCols; u++) {
            int column = k0 + u * unitCols;
            long unitAt;
            long fifthBitsAt = 0;
            if (k) {
                // Q5_K's block is Q4_K's with the 32 bytes of fifth bits before the quants
                long block = at + column / Blocks.QK_K * (long) type.typeSize;
                int pair = column % Blocks.QK_K / 64;
                unitAt = block + (q5 ? Blocks.Q5_K.QS : Blocks.Q4_K.QS) + 32 * pair;
                fifthBitsAt = block + Blocks.Q5_K.QH;
                // at the first unit of each half super-block, the scales and mins of its 4 sub-blocks
                // (this unit's and the next one's): four 6-bit values unpacked at once in an int, as
                // ggml's kmask1..3 do (one at a time, this scalar pass took a tenth of a Q4_K_M prefill)
                for (int t = 0; pair % 2 == 0 && t < n; t++) {
                    long o = block + t * rowBytes;
                    float d = LittleEndian.f16(w, o + Blocks.Q4_K.D);
                    float dmin = LittleEndian.f16(w, o + Blocks.Q4_K.DMIN);
                    int fourScales = Blocks.Q4_K.fourScales(w, o, pair / 2);
                    int fourMins = Blocks.Q4_K.fourMins(w, o, pair / 2);
                    for (int s = 0; s < 4; s++) {
                        scales[(2 * u + s) * width + t] = d * (fourScales >>> 8 * s & 0xFF);
                        mins[mo + t * groups + column / 32 + s] = -dmin * (fourMins >>> 8 * s & 0xFF);
                    }
                }
            } else {
                long block = at + column / 32 * type.typeSize;
                unitAt = block + (type == GgmlType.Q4_0 ? Blocks.Q4_0.QS : Blocks.Q8_0.QS);
                for (int t = 0; t < n; t++) {
                    scales[u * width + t] = LittleEndian.f16(w, block + t * rowBytes);
                }
            }
            sideBySide(w, unitAt, rowBytes, n, ints, words, u * unitInts * width, width);
            if (q5) {
                sideBySide(w, fifthBitsAt, rowBytes, n, ints, words, (u * unitInts + ints) * width, width);
            }
        }
        zeroPaddingRows(scales, n, kc / 32);
        for (int u = 0; u < kc / unitCols; u++) {
            for (int v = 0; v < width; v += L) {
                int wo = u * unitInts * width + v;
                int column = u * unitCols * width + v;
                if (type == GgmlType.Q8_0) {
                    q8_0Columns(words, wo, FloatVector.fromArray(F, scales, u * width + v), panel, column);
                } else if (k) {
                    FloatVector low = FloatVector.fromArray(F, scales, 2 * u * width + v);
                    FloatVector high = FloatVector.fromArray(F, scales, (2 * u + 1) * width + v);
                    FloatVector zero = FloatVector.zero(F);
                    int pair = (k0 + u * unitCols) % Blocks.QK_K / 64;
                    nibbleColumns(words, wo, ints, q5 ? wo + ints * width : -1, 2 * pair, low, zero, high, zero,
                            panel, column);
                } else {
                    FloatVector d = FloatVector.fromArray(F, scales, u * width + v);
                    FloatVector offset = d.mul(-8f);
                    nibbleColumns(words, wo, ints, -1, 0, d, offset, d, offset, panel, column);
                }
            }
        }
    }

    /** Rows {@code n …} of a tile past the tensor's last row get zero scales in all {@code groups}. */
    private static void zeroPaddingRows(float[] scales, int n, int groups) {
        int width = MatmulTiles.OUTER_ROWS;
        for (int t = n; t < width; t++) {
            for (int g = 0; g < groups; g++) {
                scales[g * width + t] = 0f;
            }
        }
    }

    /**
     * The {@code ints} ints (an even number) at {@code from} of each of the {@code n} rows
     * ({@code rowBytes} apart), the rows side by side: int j of row t at
     * {@code words[into + j·width + t]}; read 8 bytes at a time, all rows before the next 8. 4x4
     * transpositions of 128-bit vectors, four rows at a time, took half the time with the weights in
     * L3 (64 rows of 32 bytes: 130-156 against 260-290 ns) but lost in a model, whose weights come
     * from memory: Q8_0 pp64 29.2-30.6 against 30.7-31.2 tok/s, Q4_0 41.0-41.5 against 42.4-43.3
     * (bench/README.md, tenth session).
     */
    static void sideBySide(MemorySegment w, long from, long rowBytes, int n, int ints, int[] words, int into,
                           int width) {
        for (int j = 0; j < ints; j += 2) {
            for (int t = 0; t < n; t++) {
                long pair = w.get(LittleEndian.LONG, from + 4 * j + t * rowBytes);
                words[into + j * width + t] = (int) pair;
                words[into + (j + 1) * width + t] = (int) (pair >>> 32);
            }
        }
    }

    /**
     * {@link #transposed} for Q6_K: per half super-block (128 columns), each row's 64 bytes of low
     * nibbles and 32 of high bit pairs side by side with the other rows' (ints 0-15 and 16-23 of the
     * unit), and its 8 group scales {@code d·sc} ({@code scales[((k − k0)/16)·OUTER_ROWS + t]},
     * {@code OUTER_ROWS·kc/16} floats); then {@link #q6_KColumns} decodes a vector of rows at once.
     */
    private static void q6_KTransposed(MemorySegment w, long at, long rowBytes, int n, int k0, int kc,
                                       MemorySegment panel, int[] words, float[] scales) {
        int width = MatmulTiles.OUTER_ROWS;
        for (int u = 0; u < kc / 128; u++) {
            int column = k0 + 128 * u;
            long block = at + column / Blocks.QK_K * (long) Blocks.Q6_K.BYTES;
            int half = column % Blocks.QK_K / 128;
            for (int t = 0; t < n; t++) {
                long o = block + t * rowBytes;
                float d = LittleEndian.f16(w, o + Blocks.Q6_K.D);
                long packed = w.get(LittleEndian.LONG, o + Blocks.Q6_K.SCALES + 8 * half);
                for (int g = 0; g < 8; g++) {
                    scales[(8 * u + g) * width + t] = d * (byte) (packed >>> 8 * g);
                }
            }
            sideBySide(w, block + Blocks.Q6_K.QL + 64 * half, rowBytes, n, 16, words, 24 * u * width, width);
            sideBySide(w, block + Blocks.Q6_K.QH + 32 * half, rowBytes, n, 8, words, (24 * u + 16) * width, width);
        }
        zeroPaddingRows(scales, n, kc / 16);
        for (int u = 0; u < kc / 128; u++) {
            for (int v = 0; v < width; v += L) {
                q6_KColumns(words, 24 * u * width + v, scales, 8 * u * width + v, panel, 128 * u * width + v);
            }
        }
    }

    /**
     * One vector of rows of a Q6_K half super-block: int j (&lt; 8) holds the low nibble bytes
     * 4j..4j+3 of {@code ql}, int 8 + j bytes 32 + 4j.., int 16 + j the bit-pair bytes 4j.. of
     * {@code qh}; byte b of them gives columns l = 4j + b, l + 32, l + 64, l + 96 (ggml's
     * {@code dequantize_row_q6_K}), each {@code (q − 32)·d·sc} of its 16-column group.
     */
    private static void q6_KColumns(int[] words, int wo, float[] scales, int so, MemorySegment panel, int column) {
        int width = MatmulTiles.OUTER_ROWS;
        for (int j = 0; j < 8; j++) {
            IntVector a = IntVector.fromArray(I, words, wo + j * width);
            IntVector b = IntVector.fromArray(I, words, wo + (8 + j) * width);
            IntVector h = IntVector.fromArray(I, words, wo + (16 + j) * width);
            FloatVector s0 = FloatVector.fromArray(F, scales, so + (j / 4) * width);
            FloatVector s1 = FloatVector.fromArray(F, scales, so + (2 + j / 4) * width);
            FloatVector s2 = FloatVector.fromArray(F, scales, so + (4 + j / 4) * width);
            FloatVector s3 = FloatVector.fromArray(F, scales, so + (6 + j / 4) * width);
            for (int k = 0; k < 4; k++) {
                int l = 4 * j + k;
                IntVector q0 = a.lanewise(VectorOperators.LSHR, 8 * k).and(0xF)
                        .or(h.lanewise(VectorOperators.LSHR, 8 * k).and(3).lanewise(VectorOperators.LSHL, 4));
                IntVector q1 = b.lanewise(VectorOperators.LSHR, 8 * k).and(0xF)
                        .or(h.lanewise(VectorOperators.LSHR, 8 * k + 2).and(3).lanewise(VectorOperators.LSHL, 4));
                IntVector q2 = a.lanewise(VectorOperators.LSHR, 8 * k + 4).and(0xF)
                        .or(h.lanewise(VectorOperators.LSHR, 8 * k + 4).and(3).lanewise(VectorOperators.LSHL, 4));
                IntVector q3 = b.lanewise(VectorOperators.LSHR, 8 * k + 4).and(0xF)
                        .or(h.lanewise(VectorOperators.LSHR, 8 * k + 6).and(3).lanewise(VectorOperators.LSHL, 4));
                ((FloatVector) q0.sub(32).convert(VectorOperators.I2F, 0)).mul(s0)
                        .intoMemorySegment(panel, 4L * (column + l * width), ByteOrder.nativeOrder());
                ((FloatVector) q1.sub(32).convert(VectorOperators.I2F, 0)).mul(s1)
                        .intoMemorySegment(panel, 4L * (column + (l + 32) * width), ByteOrder.nativeOrder());
                ((FloatVector) q2.sub(32).convert(VectorOperators.I2F, 0)).mul(s2)
                        .intoMemorySegment(panel, 4L * (column + (l + 64) * width), ByteOrder.nativeOrder());
                ((FloatVector) q3.sub(32).convert(VectorOperators.I2F, 0)).mul(s3)
                        .intoMemorySegment(panel, 4L * (column + (l + 96) * width), ByteOrder.nativeOrder());
            }
        }
    }

    /**
     * One vector of rows of 4-bit quants: int j holds the low nibbles of columns 4j..4j+3, scaled by
     * {@code dLow} plus {@code low} (Q4_0: {@code −8·d}), and the high ones of columns
     * {@code 4·ints} further ({@code dHigh}, {@code high}). Q5_K: int j from {@code fifthBits} on holds
     * the fifth bits of the same columns, the low nibbles' at bit {@code bit} of each byte, the high
     * ones' at {@code bit + 1} ({@code fifthBits} &lt; 0: none).
     */
    private static void nibbleColumns(int[] words, int wo, int ints, int fifthBits, int bit, FloatVector dLow,
                                      FloatVector low, FloatVector dHigh, FloatVector high, MemorySegment panel,
                                      int column) {
        int width = MatmulTiles.OUTER_ROWS;
        for (int j = 0; j < ints; j++) {
            IntVector q = IntVector.fromArray(I, words, wo + j * width);
            IntVector h = fifthBits < 0 ? q : IntVector.fromArray(I, words, fifthBits + j * width);
            for (int b = 0; b < 4; b++) {
                IntVector lowBits = q.lanewise(VectorOperators.LSHR, 8 * b).and(0xF);
                IntVector highBits = q.lanewise(VectorOperators.LSHR, 8 * b + 4).and(0xF);
                if (fifthBits >= 0) {
                    lowBits = lowBits.or(h.lanewise(VectorOperators.LSHR, 8 * b + bit).and(1)
                            .lanewise(VectorOperators.LSHL, 4));
                    highBits = highBits.or(h.lanewise(VectorOperators.LSHR, 8 * b + bit + 1).and(1)
                            .lanewise(VectorOperators.LSHL, 4));
                }
                ((FloatVector) lowBits.convert(VectorOperators.I2F, 0)).fma(dLow, low)
                        .intoMemorySegment(panel, 4L * (column + (4 * j + b) * width), ByteOrder.nativeOrder());
                ((FloatVector) highBits.convert(VectorOperators.I2F, 0)).fma(dHigh, high)
                        .intoMemorySegment(panel, 4L * (column + (4 * (j + ints) + b) * width), ByteOrder.nativeOrder());
            }
        }
    }

    /** One vector of rows of a Q8_0 block: int j holds the signed values 4j..4j+3. */
    private static void q8_0Columns(int[] words, int wo, FloatVector d, MemorySegment panel, int column) {
        int width = MatmulTiles.OUTER_ROWS;
        for (int j = 0; j < 8; j++) {
            IntVector q = IntVector.fromArray(I, words, wo + j * width);
            for (int b = 0; b < 4; b++) {
                IntVector value = q.lanewise(VectorOperators.LSHL, 24 - 8 * b).lanewise(VectorOperators.ASHR, 24);
                ((FloatVector) value.convert(VectorOperators.I2F, 0)).mul(d)
                        .intoMemorySegment(panel, 4L * (column + (4 * j + b) * width), ByteOrder.nativeOrder());
            }
        }
    }

    /**
     * {@code n} values (a multiple of 8) to {@code panel[at..]}: value l is
     * {@code scale · (((b >> shift) & mask | ((h >> hShift) & hMask) << hAt) − offset)} with
     * {@code b} the signed byte at {@code bytesAt + l} and {@code h} the one at {@code highAt + l}
     * (no high bits when {@code highAt < 0}). One leaf method with scalar arguments for every
     * layout: a vector handed to a call C2 does not inline would be boxed.
     */
    private static void values(MemorySegment w, long bytesAt, int n, int shift, int mask, long highAt, int hShift,
                               int hMask, int hAt, int offset, float scale, float[] panel, int at) {
        for (int g = 0; g < n; g += BL) {
            ByteVector b = ByteVector.fromMemorySegment(B_TO_I, w, bytesAt + g, ByteOrder.LITTLE_ENDIAN);
            ByteVector h = highAt < 0 ? b : ByteVector.fromMemorySegment(B_TO_I, w, highAt + g, ByteOrder.LITTLE_ENDIAN);
            for (int p = 0; p < B_TO_I_PARTS; p++) {
                IntVector q = ((IntVector) b.convertShape(VectorOperators.B2I, I, p))
                        .lanewise(VectorOperators.ASHR, shift).and(mask);
                if (highAt >= 0) {
                    IntVector hv = (IntVector) h.convertShape(VectorOperators.B2I, I, p);
                    q = q.or(hv.lanewise(VectorOperators.ASHR, hShift).and(hMask).lanewise(VectorOperators.LSHL, hAt));
                }
                ((FloatVector) q.sub(offset).convert(VectorOperators.I2F, 0)).mul(scale)
                        .intoArray(panel, at + g + p * L);
            }
        }
    }

    /** Q4_0 / Q4_1: element j is the low nibble of qs[j], j+16 the high one; Q4_0 subtracts 8. */
    private static void q4(MemorySegment w, long offset, int cols, float[] panel, int po, float[] mins, int mo,
                           boolean hasMin) {
        int bytes = hasMin ? Blocks.Q4_1.BYTES : Blocks.Q4_0.BYTES;
        long qs = hasMin ? Blocks.Q4_1.QS : Blocks.Q4_0.QS;
        int zero = hasMin ? 0 : 8;
        for (int i = 0; i < cols / 32; i++) {
            long o = offset + (long) i * bytes;
            float d = LittleEndian.f16(w, o);
            values(w, o + qs, 16, 0, 0xF, -1, 0, 0, 0, zero, d, panel, po + 32 * i);
            values(w, o + qs, 16, 4, 0xF, -1, 0, 0, 0, zero, d, panel, po + 32 * i + 16);
            if (hasMin) {
                mins[mo + i] = LittleEndian.f16(w, o + Blocks.Q4_1.M);
            }
        }
    }

    /**
     * Q5_0 / Q5_1: element j &lt; 16 is the low nibble of qs[j] with bit j of the 32-bit qh as its
     * fifth bit, element j + 16 the high nibble with bit j + 16; Q5_0 subtracts 16. Each lane takes
     * its fifth bit from qh shifted by the lane's own count ({@link #LANE_INDEX}).
     */
    private static void q5(MemorySegment w, long offset, int cols, float[] panel, int po, float[] mins, int mo,
                           boolean hasMin) {
        int bytes = hasMin ? Blocks.Q5_1.BYTES : Blocks.Q5_0.BYTES;
        long qsAt = hasMin ? Blocks.Q5_1.QS : Blocks.Q5_0.QS;
        long qhAt = hasMin ? Blocks.Q5_1.QH : Blocks.Q5_0.QH;
        int zero = hasMin ? 0 : 16;
        for (int i = 0; i < cols / 32; i++) {
            long o = offset + (long) i * bytes;
            float d = LittleEndian.f16(w, o);
            IntVector qh = IntVector.broadcast(I, w.get(LittleEndian.INT, o + qhAt));
            for (int g = 0; g < 16; g += BL) {
                ByteVector b = ByteVector.fromMemorySegment(B_TO_I, w, o + qsAt + g, ByteOrder.LITTLE_ENDIAN);
                for (int p = 0; p < B_TO_I_PARTS; p++) {
                    int j = g + p * L;
                    IntVector q = (IntVector) b.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                    IntVector low = qh.lanewise(VectorOperators.LSHR, IntVector.fromArray(I, LANE_INDEX, j)).and(1);
                    IntVector high = qh.lanewise(VectorOperators.LSHR, IntVector.fromArray(I, LANE_INDEX, j + 16))
                            .and(1);
                    ((FloatVector) q.and(0xF).or(low.lanewise(VectorOperators.LSHL, 4)).sub(zero)
                            .convert(VectorOperators.I2F, 0)).mul(d).intoArray(panel, po + 32 * i + j);
                    ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).or(high.lanewise(VectorOperators.LSHL, 4))
                            .sub(zero).convert(VectorOperators.I2F, 0)).mul(d).intoArray(panel, po + 32 * i + 16 + j);
                }
            }
            if (hasMin) {
                mins[mo + i] = LittleEndian.f16(w, o + Blocks.Q5_1.M);
            }
        }
    }

    /**
     * Q2_K: in each half n of a block, bits 2j..2j+1 of qs[32n + l] are element 128n + 32j + l, in
     * sub-blocks of 16 whose scale byte holds {@code sc & 15} (times d) and the min {@code sc >> 4}
     * (times dmin), as ggml's {@code dequantize_row_q2_K}.
     */
    private static void q2_K(MemorySegment w, long offset, int cols, float[] panel, int po, float[] mins, int mo) {
        for (int i = 0; i < cols / Blocks.QK_K; i++) {
            long o = offset + (long) i * Blocks.Q2_K.BYTES;
            float d = LittleEndian.f16(w, o + Blocks.Q2_K.D);
            float dmin = LittleEndian.f16(w, o + Blocks.Q2_K.DMIN);
            for (int s = 0; s < 16; s++) {
                int sc = LittleEndian.u8(w, o + Blocks.Q2_K.SCALES + s);
                int half = s / 8, j = s / 2 % 4;
                mins[mo + 16 * i + s] = -dmin * (sc >> 4);
                values(w, o + Blocks.Q2_K.QS + 32 * half + 16 * (s % 2), 16, 2 * j, 3, -1, 0, 0, 0, 0,
                        d * (sc & 0xF), panel, po + 256 * i + 16 * s);
            }
        }
    }

    /**
     * Q3_K: the low two bits as Q2_K's, the third one bit {@code 4n + j} of hmask[16·(s % 2) + l]
     * (set means no −4), each sub-block of 16 scaled by {@code d·scale(s)}, as ggml's
     * {@code dequantize_row_q3_K}.
     */
    private static void q3_K(MemorySegment w, long offset, int cols, float[] panel, int po) {
        for (int i = 0; i < cols / Blocks.QK_K; i++) {
            long o = offset + (long) i * Blocks.Q3_K.BYTES;
            float d = LittleEndian.f16(w, o + Blocks.Q3_K.D);
            for (int s = 0; s < 16; s++) {
                int half = s / 8, j = s / 2 % 4;
                values(w, o + Blocks.Q3_K.QS + 32 * half + 16 * (s % 2), 16, 2 * j, 3,
                        o + Blocks.Q3_K.HMASK + 16 * (s % 2), 4 * half + j, 1, 2, 4,
                        d * Blocks.Q3_K.scale(w, o, s), panel, po + 256 * i + 16 * s);
            }
        }
    }

    /** 0, 1, 2, …: the shift count of each lane in {@link #q5}. */
    private static final int[] LANE_INDEX = java.util.stream.IntStream.range(0, 32).toArray();

    private static void q8_0(MemorySegment w, long offset, int cols, float[] panel, int po) {
        for (int i = 0; i < cols / 32; i++) {
            long o = offset + (long) i * Blocks.Q8_0.BYTES;
            values(w, o + Blocks.Q8_0.QS, 32, 0, -1, -1, 0, 0, 0, 0, LittleEndian.f16(w, o + Blocks.Q8_0.D), panel,
                    po + 32 * i);
        }
    }

    /** Q4_K (and Q5_K with its fifth bits, bit k of qh[l] for element 32k+l): 64 values per 32 bytes, low nibbles first. */
    private static void q45_K(MemorySegment w, long offset, int cols, float[] panel, int po, float[] mins, int mo,
                              boolean fifthBit) {
        int bytes = fifthBit ? Blocks.Q5_K.BYTES : Blocks.Q4_K.BYTES;
        long qsAt = fifthBit ? Blocks.Q5_K.QS : Blocks.Q4_K.QS;
        for (int i = 0; i < cols / Blocks.QK_K; i++) {
            long o = offset + (long) i * bytes;
            float d = LittleEndian.f16(w, o + Blocks.Q4_K.D);
            float dmin = LittleEndian.f16(w, o + Blocks.Q4_K.DMIN);
            long scales = o + Blocks.Q4_K.SCALES;
            long qh = fifthBit ? o + Blocks.Q5_K.QH : -1;
            for (int s = 0; s < 8; s++) {
                mins[mo + 8 * i + s] = -dmin * Blocks.Q4_K.min(w, scales, s);
                values(w, o + qsAt + 32 * (s / 2), 32, 4 * (s % 2), 0xF, qh, s, 1, 4, 0,
                        d * Blocks.Q4_K.scale(w, scales, s), panel, po + 256 * i + 32 * s);
            }
        }
    }

    /**
     * Q6_K: values l, l+32, l+64, l+96 of each half: low nibbles of ql[l] and ql[l+32], then their
     * high nibbles, over bit pairs 0-1, 2-3, 4-5, 6-7 of qh[l]; minus 32; a scale per 16 values.
     */
    private static void q6_K(MemorySegment w, long offset, int cols, float[] panel, int po) {
        for (int i = 0; i < cols / Blocks.QK_K; i++) {
            long o = offset + (long) i * Blocks.Q6_K.BYTES;
            float d = LittleEndian.f16(w, o + Blocks.Q6_K.D);
            for (int e = 0; e < Blocks.QK_K; e += 16) {
                int n = e / 128;
                int quarter = (e % 128) / 32;
                int l = e % 32;
                long ql = o + Blocks.Q6_K.QL + 64 * n + 32 * (quarter % 2) + l;
                long qh = o + Blocks.Q6_K.QH + 32 * n + l;
                float scale = d * LittleEndian.i8(w, o + Blocks.Q6_K.SCALES + e / 16);
                values(w, ql, 16, 4 * (quarter / 2), 0xF, qh, 2 * quarter, 3, 4, 32, scale, panel, po + 256 * i + e);
            }
        }
    }
}
