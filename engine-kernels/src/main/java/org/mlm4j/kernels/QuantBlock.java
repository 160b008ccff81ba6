package org.mlm4j.kernels;

import java.lang.foreign.MemorySegment;
import org.mlm4j.tensor.Blocks;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.LittleEndian;

/**
 * One weight block decoded in integers, the form every quantized dot product in ggml works in:
 * element k of sub-block j stands for {@code d·scale[j]·q[k] − dmin·min[j]}.
 *
 * <ul>
 *   <li>Q4_0, Q5_0, Q8_0: one sub-block of 32, scale 1, no min; q already offset (−8, −16).</li>
 *   <li>Q4_1, Q5_1: one sub-block, scale 1, min 1, {@code dmin = −m} (the block's fp16 offset).</li>
 *   <li>Q2_K: 16 sub-blocks of 16, 4-bit scales and mins; Q3_K: 16 of 16, 6-bit scales − 32,
 *       q with the high-mask offset (−4 when the bit is clear); Q4_K, Q5_K: 8 of 32, 6-bit
 *       scales and mins; Q6_K: 16 of 16, int8 scales, q − 32.</li>
 * </ul>
 * Layouts are the tensor module's {@link Blocks} (ggml-common.h); the element order is that of
 * ggml's {@code dequantize_row_*}. Reusable: {@link #decode} overwrites every field it uses.
 */
public final class QuantBlock {
    /** Quants of the block, 32 or 256 of them. */
    public final int[] q = new int[Blocks.QK_K];
    /** Integer scale per sub-block. */
    public final int[] scale = new int[16];
    /** Integer min per sub-block (0 when the type has none). */
    public final int[] min = new int[16];
    public float d;
    public float dmin;
    /** Elements per sub-block and sub-blocks per block. */
    public int subSize;
    public int subBlocks;

    /** Decodes the {@code type} block at byte {@code offset} of {@code w}. */
    public void decode(GgmlType type, MemorySegment w, long offset) {
        switch (type) {
            case Q4_0 -> q4(w, offset + Blocks.Q4_0.QS, 8, LittleEndian.f16(w, offset + Blocks.Q4_0.D), Float.NaN);
            case Q4_1 -> q4(w, offset + Blocks.Q4_1.QS, 0, LittleEndian.f16(w, offset + Blocks.Q4_1.D),
                    LittleEndian.f16(w, offset + Blocks.Q4_1.M));
            case Q5_0 -> q5(w, offset + Blocks.Q5_0.QH, offset + Blocks.Q5_0.QS, 16,
                    LittleEndian.f16(w, offset + Blocks.Q5_0.D), Float.NaN);
            case Q5_1 -> q5(w, offset + Blocks.Q5_1.QH, offset + Blocks.Q5_1.QS, 0,
                    LittleEndian.f16(w, offset + Blocks.Q5_1.D), LittleEndian.f16(w, offset + Blocks.Q5_1.M));
            case Q8_0 -> q8_0(w, offset);
            case Q2_K -> q2_K(w, offset);
            case Q3_K -> q3_K(w, offset);
            case Q4_K -> q4_K(w, offset);
            case Q5_K -> q5_K(w, offset);
            case Q6_K -> q6_K(w, offset);
            default -> throw new IllegalArgumentException("not a block-quantized weight type: " + type.ggmlName());
        }
    }

    /** Type-0 and type-1 blocks: one sub-block of 32; {@code m} is NaN when the type has no offset. */
    private void legacy(float d, float m) {
        boolean hasMin = !Float.isNaN(m);
        this.d = d;
        this.dmin = hasMin ? -m : 0;
        this.subSize = 32;
        this.subBlocks = 1;
        this.scale[0] = 1;
        this.min[0] = hasMin ? 1 : 0;
    }

    /** Q4_0/Q4_1 quants: element j is the low nibble of qs[j], element j+16 the high one. */
    private void q4(MemorySegment w, long qs, int offset, float d, float m) {
        for (int j = 0; j < 16; j++) {
            int b = LittleEndian.u8(w, qs + j);
            q[j] = (b & 0xF) - offset;
            q[j + 16] = (b >>> 4) - offset;
        }
        legacy(d, m);
    }

    /** Q5_0/Q5_1 quants: Q4's nibbles plus bit j of the 32-bit qh as element j's fifth bit. */
    private void q5(MemorySegment w, long qhAt, long qs, int offset, float d, float m) {
        int qh = w.get(LittleEndian.INT, qhAt);
        for (int j = 0; j < 16; j++) {
            int b = LittleEndian.u8(w, qs + j);
            q[j] = ((b & 0xF) | ((qh >>> j) & 1) << 4) - offset;
            q[j + 16] = ((b >>> 4) | ((qh >>> (j + 16)) & 1) << 4) - offset;
        }
        legacy(d, m);
    }

    private void q8_0(MemorySegment w, long o) {
        for (int j = 0; j < 32; j++) {
            q[j] = LittleEndian.i8(w, o + Blocks.Q8_0.QS + j);
        }
        legacy(LittleEndian.f16(w, o + Blocks.Q8_0.D), Float.NaN);
    }

    /** Element 128n+32j+l is bits 2j..2j+1 of qs[32n+l]; scale low nibble, min high nibble. */
    private void q2_K(MemorySegment w, long o) {
        for (int n = 0; n < 2; n++) {
            for (int j = 0; j < 4; j++) {
                for (int l = 0; l < 32; l++) {
                    q[128 * n + 32 * j + l] = (LittleEndian.u8(w, o + Blocks.Q2_K.QS + 32 * n + l) >>> (2 * j)) & 3;
                }
            }
        }
        for (int g = 0; g < 16; g++) {
            int sc = LittleEndian.u8(w, o + Blocks.Q2_K.SCALES + g);
            scale[g] = sc & 0xF;
            min[g] = sc >>> 4;
        }
        kQuant(LittleEndian.f16(w, o + Blocks.Q2_K.D), LittleEndian.f16(w, o + Blocks.Q2_K.DMIN), 16);
    }

    /** Low bits as Q2_K; the third is bit 4n+j of hmask[l], −4 when clear. */
    private void q3_K(MemorySegment w, long o) {
        for (int n = 0; n < 2; n++) {
            for (int j = 0; j < 4; j++) {
                for (int l = 0; l < 32; l++) {
                    int low = (LittleEndian.u8(w, o + Blocks.Q3_K.QS + 32 * n + l) >>> (2 * j)) & 3;
                    int high = (LittleEndian.u8(w, o + Blocks.Q3_K.HMASK + l) >>> (4 * n + j)) & 1;
                    q[128 * n + 32 * j + l] = low - (high == 0 ? 4 : 0);
                }
            }
        }
        for (int g = 0; g < 16; g++) {
            scale[g] = Blocks.Q3_K.scale(w, o, g);
            min[g] = 0;
        }
        kQuant(LittleEndian.f16(w, o + Blocks.Q3_K.D), 0, 16);
    }

    /** 64 elements per 32 bytes of qs, low nibbles first, as Q4_K; Q5_K adds bit k of qh[l] to element 32k+l. */
    private void q45_K(MemorySegment w, long o, long qs, long qh) {
        for (int j = 0; j < 4; j++) {
            for (int l = 0; l < 32; l++) {
                int b = LittleEndian.u8(w, qs + 32 * j + l);
                int h = qh < 0 ? 0 : LittleEndian.u8(w, qh + l);
                q[64 * j + l] = (b & 0xF) | ((h >>> (2 * j)) & 1) << 4;
                q[64 * j + 32 + l] = (b >>> 4) | ((h >>> (2 * j + 1)) & 1) << 4;
            }
        }
        long scales = o + Blocks.Q4_K.SCALES;
        for (int j = 0; j < 8; j++) {
            scale[j] = Blocks.Q4_K.scale(w, scales, j);
            min[j] = Blocks.Q4_K.min(w, scales, j);
        }
        kQuant(LittleEndian.f16(w, o + Blocks.Q4_K.D), LittleEndian.f16(w, o + Blocks.Q4_K.DMIN), 32);
    }

    private void q4_K(MemorySegment w, long o) {
        q45_K(w, o, o + Blocks.Q4_K.QS, -1);
    }

    private void q5_K(MemorySegment w, long o) {
        q45_K(w, o, o + Blocks.Q5_K.QS, o + Blocks.Q5_K.QH);
    }

    /** Values l, l+32, l+64, l+96 of each half: nibbles of ql[l], ql[l+32], top bits pairs of qh[l]; minus 32. */
    private void q6_K(MemorySegment w, long o) {
        for (int n = 0; n < 2; n++) {
            long ql = o + Blocks.Q6_K.QL + 64 * n;
            long qh = o + Blocks.Q6_K.QH + 32 * n;
            for (int l = 0; l < 32; l++) {
                int lo0 = LittleEndian.u8(w, ql + l);
                int lo1 = LittleEndian.u8(w, ql + l + 32);
                int h = LittleEndian.u8(w, qh + l);
                q[128 * n + l] = ((lo0 & 0xF) | (h & 3) << 4) - 32;
                q[128 * n + l + 32] = ((lo1 & 0xF) | ((h >>> 2) & 3) << 4) - 32;
                q[128 * n + l + 64] = ((lo0 >>> 4) | ((h >>> 4) & 3) << 4) - 32;
                q[128 * n + l + 96] = ((lo1 >>> 4) | ((h >>> 6) & 3) << 4) - 32;
            }
        }
        for (int g = 0; g < 16; g++) {
            scale[g] = LittleEndian.i8(w, o + Blocks.Q6_K.SCALES + g);
            min[g] = 0;
        }
        kQuant(LittleEndian.f16(w, o + Blocks.Q6_K.D), 0, 16);
    }

    private void kQuant(float d, float dmin, int subSize) {
        this.d = d;
        this.dmin = dmin;
        this.subSize = subSize;
        this.subBlocks = Blocks.QK_K / subSize;
    }
}
