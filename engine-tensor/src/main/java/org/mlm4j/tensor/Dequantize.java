package org.mlm4j.tensor;

import static org.mlm4j.tensor.LittleEndian.f16;
import static org.mlm4j.tensor.LittleEndian.i8;
import static org.mlm4j.tensor.LittleEndian.u8;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Scalar reference dequantization, bit-exact with ggml's {@code dequantize_row_*} ({@code ggml-quants.c})
 * and {@code ggml_fp16_to_fp32_row}/{@code ggml_bf16_to_fp32_row}: every product is formed in the
 * same order and precision as there (fp32, no fused multiply-add), so the results are the same floats.
 * Data is read in place from a {@link MemorySegment} (layouts in {@link Blocks}).
 */
public final class Dequantize {
    private Dequantize() {
    }

    /**
     * Dequantizes {@code n} values (a whole number of blocks of {@code type}) stored at byte
     * {@code srcByteOffset} of {@code src} into {@code dst[dstOffset .. dstOffset + n)}.
     *
     * @throws UnsupportedTensorTypeException when mlm4j cannot dequantize {@code type}
     * @throws IllegalArgumentException when {@code n} is not a whole number of blocks
     * @throws IndexOutOfBoundsException when the blocks are not inside {@code src} or the values not inside {@code dst}
     */
    public static void row(GgmlType type, MemorySegment src, long srcByteOffset, float[] dst, int dstOffset, int n) {
        type.requireComputable("dequantized data");
        long bytes = type.byteSize(n);
        Objects.checkFromIndexSize(srcByteOffset, bytes, src.byteSize());
        Objects.checkFromIndexSize(dstOffset, n, dst.length);
        switch (type) {
            case F32 -> MemorySegment.copy(src, LittleEndian.FLOAT, srcByteOffset, dst, dstOffset, n);
            case F16 -> HalfFloats.f16ToF32(src, srcByteOffset, dst, dstOffset, n);
            case BF16 -> HalfFloats.bf16ToF32(src, srcByteOffset, dst, dstOffset, n);
            default -> {
                for (int b = 0; b < n / type.blockSize; b++) {
                    block(type, src, srcByteOffset + (long) b * type.typeSize, dst, dstOffset + b * type.blockSize);
                }
            }
        }
    }

    /** Dequantizes row {@code row} (of {@link Tensor#rows()}) of {@code t}: {@link Tensor#cols()} values. */
    public static void row(Tensor t, long row, float[] dst, int dstOffset) {
        t.type().requireComputable("tensor " + t.name());
        row(t.type(), t.row(row), 0, dst, dstOffset, t.cols());
    }

    /** Every value of {@code t} in storage order (a copy; for tests and small tensors). */
    public static float[] toFloatArray(Tensor t) {
        long count = t.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor " + t + " has " + count + " values, too many for one float[]");
        }
        t.type().requireComputable("tensor " + t.name());
        float[] out = new float[(int) count];
        row(t.type(), t.data(), 0, out, 0, out.length);
        return out;
    }

    /** One block of a quantized type at byte {@code at} into {@code y[yo ..]}. */
    private static void block(GgmlType type, MemorySegment s, long at, float[] y, int yo) {
        switch (type) {
            case Q4_0 -> legacy(s, at, y, yo, Blocks.Q4_0.D, -1, -1, Blocks.Q4_0.QS, 8);
            case Q4_1 -> legacy(s, at, y, yo, Blocks.Q4_1.D, Blocks.Q4_1.M, -1, Blocks.Q4_1.QS, 0);
            case Q5_0 -> legacy(s, at, y, yo, Blocks.Q5_0.D, -1, Blocks.Q5_0.QH, Blocks.Q5_0.QS, 16);
            case Q5_1 -> legacy(s, at, y, yo, Blocks.Q5_1.D, Blocks.Q5_1.M, Blocks.Q5_1.QH, Blocks.Q5_1.QS, 0);
            case Q8_0 -> q8_0(s, at, y, yo);
            case Q2_K -> q2_K(s, at, y, yo);
            case Q3_K -> q3_K(s, at, y, yo);
            case Q4_K -> q4_K(s, at, y, yo);
            case Q5_K -> q5_K(s, at, y, yo);
            case Q6_K -> q6_K(s, at, y, yo);
            case Q8_K -> q8_K(s, at, y, yo);
            default -> throw new UnsupportedTensorTypeException("mlm4j cannot dequantize " + type.ggmlName());
        }
    }

    /**
     * Q4_0, Q4_1, Q5_0, Q5_1: 32 values, value {@code j} the low and {@code j + 16} the high nibble of
     * {@code qs[j]}, bit 4 (5-bit types, {@code qh >= 0}) from bit {@code j} of {@code qh}.
     * Without a min ({@code m < 0}): {@code x = (q - bias) * d}; with one: {@code x = q * d + m}.
     */
    private static void legacy(MemorySegment s, long at, float[] y, int yo, int dOff, int mOff, int qhOff, int qsOff,
                               int bias) {
        float d = f16(s, at + dOff);
        float m = mOff >= 0 ? f16(s, at + mOff) : 0f;
        int qh = qhOff >= 0 ? s.get(LittleEndian.INT, at + qhOff) : 0;
        for (int j = 0; j < 16; j++) {
            int b = u8(s, at + qsOff + j);
            int q0 = (b & 0xF) | ((qh >>> j) & 1) << 4;
            int q1 = (b >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
            if (mOff >= 0) {
                y[yo + j] = q0 * d + m;
                y[yo + j + 16] = q1 * d + m;
            } else {
                y[yo + j] = (q0 - bias) * d;
                y[yo + j + 16] = (q1 - bias) * d;
            }
        }
    }

    private static void q8_0(MemorySegment s, long at, float[] y, int yo) {
        float d = f16(s, at + Blocks.Q8_0.D);
        for (int j = 0; j < Blocks.Q8_0.QK; j++) {
            y[yo + j] = i8(s, at + Blocks.Q8_0.QS + j) * d;
        }
    }

    private static void q2_K(MemorySegment s, long at, float[] y, int yo) {
        float d = f16(s, at + Blocks.Q2_K.D);
        float min = f16(s, at + Blocks.Q2_K.DMIN);
        for (int half = 0; half < 2; half++) {
            long q = at + Blocks.Q2_K.QS + 32L * half;
            for (int k = 0; k < 4; k++) {
                for (int part = 0; part < 2; part++) {
                    int sc = u8(s, at + Blocks.Q2_K.SCALES + 8 * half + 2 * k + part);
                    float dl = d * (sc & 0xF);
                    float ml = min * (sc >>> 4);
                    int out = yo + 128 * half + 32 * k + 16 * part;
                    for (int l = 0; l < 16; l++) {
                        y[out + l] = dl * ((u8(s, q + 16 * part + l) >>> (2 * k)) & 3) - ml;
                    }
                }
            }
        }
    }

    private static void q3_K(MemorySegment s, long at, float[] y, int yo) {
        float dAll = f16(s, at + Blocks.Q3_K.D);
        for (int half = 0; half < 2; half++) {
            long q = at + Blocks.Q3_K.QS + 32L * half;
            for (int k = 0; k < 4; k++) {
                int hbit = 4 * half + k;
                for (int part = 0; part < 2; part++) {
                    float dl = dAll * Blocks.Q3_K.scale(s, at, 8 * half + 2 * k + part);
                    int out = yo + 128 * half + 32 * k + 16 * part;
                    for (int l = 0; l < 16; l++) {
                        int low = (u8(s, q + 16 * part + l) >>> (2 * k)) & 3;
                        int high = (u8(s, at + Blocks.Q3_K.HMASK + 16 * part + l) >>> hbit) & 1;
                        y[out + l] = dl * (low - (high != 0 ? 0 : 4));
                    }
                }
            }
        }
    }

    private static void q4_K(MemorySegment s, long at, float[] y, int yo) {
        float d = f16(s, at + Blocks.Q4_K.D);
        float min = f16(s, at + Blocks.Q4_K.DMIN);
        long scales = at + Blocks.Q4_K.SCALES;
        for (int sub = 0; sub < 8; sub++) {
            float dl = d * Blocks.Q4_K.scale(s, scales, sub);
            float ml = min * Blocks.Q4_K.min(s, scales, sub);
            long q = at + Blocks.Q4_K.QS + 32L * (sub / 2);
            int shift = 4 * (sub & 1);
            for (int l = 0; l < 32; l++) {
                y[yo + 32 * sub + l] = dl * ((u8(s, q + l) >>> shift) & 0xF) - ml;
            }
        }
    }

    private static void q5_K(MemorySegment s, long at, float[] y, int yo) {
        float d = f16(s, at + Blocks.Q5_K.D);
        float min = f16(s, at + Blocks.Q5_K.DMIN);
        long scales = at + Blocks.Q5_K.SCALES;
        for (int sub = 0; sub < 8; sub++) {
            float dl = d * Blocks.Q4_K.scale(s, scales, sub);
            float ml = min * Blocks.Q4_K.min(s, scales, sub);
            long q = at + Blocks.Q5_K.QS + 32L * (sub / 2);
            int shift = 4 * (sub & 1);
            for (int l = 0; l < 32; l++) {
                int high = (u8(s, at + Blocks.Q5_K.QH + l) >>> sub) & 1;
                y[yo + 32 * sub + l] = dl * (((u8(s, q + l) >>> shift) & 0xF) + 16 * high) - ml;
            }
        }
    }

    private static void q6_K(MemorySegment s, long at, float[] y, int yo) {
        float d = f16(s, at + Blocks.Q6_K.D);
        for (int half = 0; half < 2; half++) {
            long ql = at + Blocks.Q6_K.QL + 64L * half;
            long qh = at + Blocks.Q6_K.QH + 32L * half;
            long sc = at + Blocks.Q6_K.SCALES + 8L * half;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int h = u8(s, qh + l);
                int lo0 = u8(s, ql + l);
                int lo1 = u8(s, ql + l + 32);
                int q1 = ((lo0 & 0xF) | (h & 3) << 4) - 32;
                int q2 = ((lo1 & 0xF) | ((h >>> 2) & 3) << 4) - 32;
                int q3 = ((lo0 >>> 4) | ((h >>> 4) & 3) << 4) - 32;
                int q4 = ((lo1 >>> 4) | ((h >>> 6) & 3) << 4) - 32;
                int out = yo + 128 * half + l;
                y[out] = d * i8(s, sc + is) * q1;
                y[out + 32] = d * i8(s, sc + is + 2) * q2;
                y[out + 64] = d * i8(s, sc + is + 4) * q3;
                y[out + 96] = d * i8(s, sc + is + 6) * q4;
            }
        }
    }

    private static void q8_K(MemorySegment s, long at, float[] y, int yo) {
        float d = s.get(LittleEndian.FLOAT, at + Blocks.Q8_K.D);
        for (int j = 0; j < Blocks.Q8_K.QK; j++) {
            y[yo + j] = d * i8(s, at + Blocks.Q8_K.QS + j);
        }
    }
}
