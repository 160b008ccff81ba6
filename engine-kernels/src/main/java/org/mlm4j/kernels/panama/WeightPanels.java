package org.mlm4j.kernels.panama;

import static org.mlm4j.kernels.panama.VectorConstants.B_TO_I;
import static org.mlm4j.kernels.panama.VectorConstants.B_TO_I_PARTS;
import static org.mlm4j.kernels.panama.VectorConstants.I;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.mlm4j.kernels.QuantBlock;
import org.mlm4j.tensor.Blocks;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.HalfFloats;
import org.mlm4j.tensor.LittleEndian;

/**
 * Unpacks one weight row into floats for {@link MatmulTiles}: element k of sub-block j becomes
 * {@code d·scale[j]·q[k]} (exact for the 32-blocks: an fp16 times a small integer), and the row's
 * offsets {@code −dmin·min[j]} go to a separate array, so that they meet the activations as ggml
 * forms them (the Q8_1 sum {@code s}, the Q8_K {@code bsums}). See {@link QuantBlock} for the
 * decoding this vectorizes; types without a vector unpacker here go through it.
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
                       float[] mins, int mo, QuantBlock scratch) {
        switch (type) {
            case F32 -> MemorySegment.copy(w, LittleEndian.FLOAT, offset, panel, po, cols);
            case F16 -> HalfFloats.f16ToF32(w, offset, panel, po, cols);
            case BF16 -> HalfFloats.bf16ToF32(w, offset, panel, po, cols);
            case Q4_0 -> q4_0(w, offset, cols, panel, po);
            case Q8_0 -> q8_0(w, offset, cols, panel, po);
            case Q4_K -> q45_K(w, offset, cols, panel, po, mins, mo, false);
            case Q5_K -> q45_K(w, offset, cols, panel, po, mins, mo, true);
            case Q6_K -> q6_K(w, offset, cols, panel, po);
            default -> viaQuantBlock(type, w, offset, cols, panel, po, mins, mo, scratch);
        }
    }

    private static void viaQuantBlock(GgmlType type, MemorySegment w, long offset, int cols, float[] panel, int po,
                                      float[] mins, int mo, QuantBlock block) {
        int group = minGroup(type);
        for (int i = 0; i < cols / type.blockSize; i++) {
            block.decode(type, w, offset + (long) i * type.typeSize);
            int base = po + i * type.blockSize;
            for (int j = 0; j < block.subBlocks; j++) {
                float scale = block.d * block.scale[j];
                for (int k = j * block.subSize; k < (j + 1) * block.subSize; k++) {
                    panel[base + k] = scale * block.q[k];
                }
                if (group != 0) {
                    mins[mo + (i * type.blockSize + j * block.subSize) / group] = -block.dmin * block.min[j];
                }
            }
        }
    }

    private static ByteVector bytes(MemorySegment w, long at) {
        return ByteVector.fromMemorySegment(B_TO_I, w, at, ByteOrder.LITTLE_ENDIAN);
    }

    private static IntVector ints(ByteVector b, int part) {
        return (IntVector) b.convertShape(VectorOperators.B2I, I, part);
    }

    private static void store(IntVector q, float scale, float[] panel, int at) {
        ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(scale).intoArray(panel, at);
    }

    private static IntVector lowNibbles(IntVector v) {
        return v.and(0xF);
    }

    private static IntVector highNibbles(IntVector v) {
        return v.lanewise(VectorOperators.ASHR, 4).and(0xF);
    }

    /** Bit {@code bit} of each lane moved to bit 4, every other bit cleared. */
    private static IntVector bitToBit4(IntVector v, int bit) {
        IntVector moved = bit <= 4 ? v.lanewise(VectorOperators.LSHL, 4 - bit) : v.lanewise(VectorOperators.ASHR, bit - 4);
        return moved.and(16);
    }

    /** Q4_0: element j low nibble of qs[j], j+16 the high one, both − 8. */
    private static void q4_0(MemorySegment w, long offset, int cols, float[] panel, int po) {
        for (int i = 0; i < cols / 32; i++) {
            long o = offset + (long) i * Blocks.Q4_0.BYTES;
            float d = LittleEndian.f16(w, o + Blocks.Q4_0.D);
            for (int g = 0; g < 16; g += BL) {
                ByteVector b = bytes(w, o + Blocks.Q4_0.QS + g);
                for (int p = 0; p < B_TO_I_PARTS; p++) {
                    IntVector v = ints(b, p);
                    int at = po + 32 * i + g + p * L;
                    store(lowNibbles(v).sub(8), d, panel, at);
                    store(highNibbles(v).sub(8), d, panel, at + 16);
                }
            }
        }
    }

    private static void q8_0(MemorySegment w, long offset, int cols, float[] panel, int po) {
        for (int i = 0; i < cols / 32; i++) {
            long o = offset + (long) i * Blocks.Q8_0.BYTES;
            float d = LittleEndian.f16(w, o + Blocks.Q8_0.D);
            for (int g = 0; g < 32; g += BL) {
                ByteVector b = bytes(w, o + Blocks.Q8_0.QS + g);
                for (int p = 0; p < B_TO_I_PARTS; p++) {
                    store(ints(b, p), d, panel, po + 32 * i + g + p * L);
                }
            }
        }
    }

    /** Q4_K (and Q5_K with its fifth bits): each 64 values from 32 bytes, low nibbles first. */
    private static void q45_K(MemorySegment w, long offset, int cols, float[] panel, int po, float[] mins, int mo,
                              boolean fifthBit) {
        int bytes = fifthBit ? Blocks.Q5_K.BYTES : Blocks.Q4_K.BYTES;
        long qsAt = fifthBit ? Blocks.Q5_K.QS : Blocks.Q4_K.QS;
        for (int i = 0; i < cols / Blocks.QK_K; i++) {
            long o = offset + (long) i * bytes;
            float d = LittleEndian.f16(w, o + Blocks.Q4_K.D);
            float dmin = LittleEndian.f16(w, o + Blocks.Q4_K.DMIN);
            long scales = o + Blocks.Q4_K.SCALES;
            for (int j = 0; j < 4; j++) {
                float dLow = d * Blocks.Q4_K.scale(w, scales, 2 * j);
                float dHigh = d * Blocks.Q4_K.scale(w, scales, 2 * j + 1);
                mins[mo + 8 * i + 2 * j] = -dmin * Blocks.Q4_K.min(w, scales, 2 * j);
                mins[mo + 8 * i + 2 * j + 1] = -dmin * Blocks.Q4_K.min(w, scales, 2 * j + 1);
                for (int g = 0; g < 32; g += BL) {
                    ByteVector b = bytes(w, o + qsAt + 32 * j + g);
                    ByteVector h = fifthBit ? bytes(w, o + Blocks.Q5_K.QH + g) : null;
                    for (int p = 0; p < B_TO_I_PARTS; p++) {
                        IntVector v = ints(b, p);
                        IntVector low = lowNibbles(v);
                        IntVector high = highNibbles(v);
                        if (fifthBit) {
                            IntVector hv = ints(h, p);
                            low = low.or(bitToBit4(hv, 2 * j));
                            high = high.or(bitToBit4(hv, 2 * j + 1));
                        }
                        int at = po + 256 * i + 64 * j + g + p * L;
                        store(low, dLow, panel, at);
                        store(high, dHigh, panel, at + 32);
                    }
                }
            }
        }
    }

    /** Q6_K: values l, l+32, l+64, l+96 of each half from ql[l], ql[l+32] and the bit pairs of qh[l]. */
    private static void q6_K(MemorySegment w, long offset, int cols, float[] panel, int po) {
        for (int i = 0; i < cols / Blocks.QK_K; i++) {
            long o = offset + (long) i * Blocks.Q6_K.BYTES;
            float d = LittleEndian.f16(w, o + Blocks.Q6_K.D);
            for (int n = 0; n < 2; n++) {
                long ql = o + Blocks.Q6_K.QL + 64 * n;
                long qh = o + Blocks.Q6_K.QH + 32 * n;
                for (int g = 0; g < 32; g += BL) {
                    ByteVector b0 = bytes(w, ql + g);
                    ByteVector b1 = bytes(w, ql + 32 + g);
                    ByteVector bh = bytes(w, qh + g);
                    for (int p = 0; p < B_TO_I_PARTS; p++) {
                        IntVector v0 = ints(b0, p);
                        IntVector v1 = ints(b1, p);
                        IntVector h = ints(bh, p);
                        int l = g + p * L;
                        int e = 128 * n + l;
                        q6(lowNibbles(v0), h.lanewise(VectorOperators.LSHL, 4), d, w, o, e, panel, po + 256 * i);
                        q6(lowNibbles(v1), h.lanewise(VectorOperators.LSHL, 2), d, w, o, e + 32, panel, po + 256 * i);
                        q6(highNibbles(v0), h, d, w, o, e + 64, panel, po + 256 * i);
                        q6(highNibbles(v1), h.lanewise(VectorOperators.ASHR, 2), d, w, o, e + 96, panel, po + 256 * i);
                    }
                }
            }
        }
    }

    /** One Q6_K vector: {@code (low | bits 4-5 of high) − 32} times its sub-block's scale (16 elements share one). */
    private static void q6(IntVector low, IntVector high, float d, MemorySegment w, long block, int element,
                           float[] panel, int base) {
        float scale = d * LittleEndian.i8(w, block + Blocks.Q6_K.SCALES + element / 16);
        store(low.or(high.and(0x30)).sub(32), scale, panel, base + element);
    }
}
