package org.mlm4j.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Byte layouts of ggml's quantized blocks ({@code ggml-common.h}), one nested class per type: the C
 * struct, the value it encodes, and the byte offset of every field from the start of the block.
 * Blocks are packed back to back with no padding; multi-byte fields are little-endian and unaligned
 * (read them with {@link LittleEndian}). {@code half} is an IEEE fp16 ({@code ggml_half}).
 *
 * <p>Kernels and {@link Dequantize}/{@link Quantize} use these constants; {@code QK} is the number of
 * values per block and {@code BYTES} the block size ({@link GgmlType#typeSize}).
 */
public final class Blocks {
    private Blocks() {
    }

    /** Values per super-block of the K-quants ({@code QK_K}). */
    public static final int QK_K = 256;
    /** Bytes of the packed 6-bit scales and mins of Q4_K and Q5_K ({@code K_SCALE_SIZE}). */
    public static final int K_SCALE_SIZE = 12;

    /**
     * {@code block_q4_0 { half d; uint8_t qs[16]; }}: {@code x[j] = d * (q[j] - 8)} where value
     * {@code j < 16} is the low nibble of {@code qs[j]} and value {@code j + 16} its high nibble.
     */
    public static final class Q4_0 {
        private Q4_0() {
        }

        public static final int QK = 32;
        public static final int D = 0;
        public static final int QS = 2;
        public static final int BYTES = QS + QK / 2;
    }

    /**
     * {@code block_q4_1 { half d; half m; uint8_t qs[16]; }}: {@code x[j] = d * q[j] + m}, nibbles as Q4_0.
     */
    public static final class Q4_1 {
        private Q4_1() {
        }

        public static final int QK = 32;
        public static final int D = 0;
        public static final int M = 2;
        public static final int QS = 4;
        public static final int BYTES = QS + QK / 2;
    }

    /**
     * {@code block_q5_0 { half d; uint8_t qh[4]; uint8_t qs[16]; }}: {@code x[j] = d * (q[j] - 16)}; the
     * low four bits of {@code q[j]} are nibbles as in Q4_0 and bit 4 is bit {@code j} of the
     * little-endian 32-bit {@code qh}.
     */
    public static final class Q5_0 {
        private Q5_0() {
        }

        public static final int QK = 32;
        public static final int D = 0;
        public static final int QH = 2;
        public static final int QS = 6;
        public static final int BYTES = QS + QK / 2;
    }

    /**
     * {@code block_q5_1 { half d; half m; uint8_t qh[4]; uint8_t qs[16]; }}: {@code x[j] = d * q[j] + m},
     * 5-bit {@code q} as Q5_0.
     */
    public static final class Q5_1 {
        private Q5_1() {
        }

        public static final int QK = 32;
        public static final int D = 0;
        public static final int M = 2;
        public static final int QH = 4;
        public static final int QS = 8;
        public static final int BYTES = QS + QK / 2;
    }

    /** {@code block_q8_0 { half d; int8_t qs[32]; }}: {@code x[j] = d * qs[j]}. */
    public static final class Q8_0 {
        private Q8_0() {
        }

        public static final int QK = 32;
        public static final int D = 0;
        public static final int QS = 2;
        public static final int BYTES = QS + QK;
    }

    /**
     * {@code block_q8_1 { half d; half s; int8_t qs[32]; }}: {@code x[j] = d * qs[j]}, {@code s = d * Σ qs}.
     * ggml quantizes activations to it for Q4_1/Q5_1 dot products; no weight file carries it.
     */
    public static final class Q8_1 {
        private Q8_1() {
        }

        public static final int QK = 32;
        public static final int D = 0;
        public static final int S = 2;
        public static final int QS = 4;
        public static final int BYTES = QS + QK;
    }

    /**
     * {@code block_q2_K { uint8_t scales[16]; uint8_t qs[64]; half d; half dmin; }}: 16 sub-blocks of 16;
     * sub-block {@code s} has scale {@code d * (scales[s] & 15)} and min {@code dmin * (scales[s] >> 4)},
     * {@code x = scale * q - min} with 2-bit {@code q}. Each 128-value half uses 32 bytes of {@code qs}:
     * value {@code 32 * k + l} ({@code k < 4}, {@code l < 32}) of the half is bits {@code 2k..2k+1} of byte
     * {@code l}.
     */
    public static final class Q2_K {
        private Q2_K() {
        }

        public static final int QK = QK_K;
        public static final int SCALES = 0;
        public static final int QS = SCALES + QK_K / 16;
        public static final int D = QS + QK_K / 4;
        public static final int DMIN = D + 2;
        public static final int BYTES = DMIN + 2;
    }

    /**
     * {@code block_q3_K { uint8_t hmask[32]; uint8_t qs[64]; uint8_t scales[12]; half d; }}: 16 sub-blocks
     * of 16, {@code x = d * scale(s) * (q - 4)} with 3-bit {@code q}: its low two bits are packed in
     * {@code qs} as in Q2_K, its high bit is bit {@code i / 32} of {@code hmask[i % 32]} for value {@code i}.
     * The 6-bit scales are decoded by {@link #scale}.
     */
    public static final class Q3_K {
        private Q3_K() {
        }

        public static final int QK = QK_K;
        public static final int HMASK = 0;
        public static final int QS = HMASK + QK_K / 8;
        public static final int SCALES = QS + QK_K / 4;
        public static final int D = SCALES + 12;
        public static final int BYTES = D + 2;

        /**
         * Signed scale of sub-block {@code s} (0..15), in -32..31: low four bits from nibble {@code s / 8}
         * of {@code scales[s % 8]}, high two bits from bits {@code 2 * (s / 4)} of {@code scales[8 + s % 4]}.
         */
        public static int scale(MemorySegment data, long block, int s) {
            int low = LittleEndian.u8(data, block + SCALES + (s & 7)) >>> (4 * (s >>> 3)) & 0xF;
            int high = LittleEndian.u8(data, block + SCALES + 8 + (s & 3)) >>> (2 * (s >>> 2)) & 3;
            return (low | high << 4) - 32;
        }
    }

    /**
     * {@code block_q4_K { half d; half dmin; uint8_t scales[12]; uint8_t qs[128]; }}: 8 sub-blocks of 32,
     * {@code x = d * scale(s) * q - dmin * min(s)} with 4-bit {@code q}; each 64 values use 32 bytes of
     * {@code qs}, the first 32 values the low nibbles and the next 32 the high nibbles. Scales and mins
     * are 6-bit ({@link #scale}, {@link #min}).
     */
    public static final class Q4_K {
        private Q4_K() {
        }

        public static final int QK = QK_K;
        public static final int D = 0;
        public static final int DMIN = 2;
        public static final int SCALES = 4;
        public static final int QS = SCALES + K_SCALE_SIZE;
        public static final int BYTES = QS + QK_K / 2;

        /** 6-bit scale of sub-block {@code s} (0..7) of the 12 packed bytes at {@code scales} (ggml's get_scale_min_k4). */
        public static int scale(MemorySegment data, long scales, int s) {
            return s < 4
                    ? LittleEndian.u8(data, scales + s) & 63
                    : (LittleEndian.u8(data, scales + s + 4) & 0xF) | (LittleEndian.u8(data, scales + s - 4) >>> 6) << 4;
        }

        /** 6-bit min of sub-block {@code s} (0..7), as {@link #scale}. */
        public static int min(MemorySegment data, long scales, int s) {
            return s < 4
                    ? LittleEndian.u8(data, scales + s + 4) & 63
                    : (LittleEndian.u8(data, scales + s + 4) >>> 4) | (LittleEndian.u8(data, scales + s) >>> 6) << 4;
        }

        /*
         * The same four sub-blocks at a time, one value per byte of an int, from the 12 packed bytes
         * read as little-endian ints a (bytes 0-3), b (4-7) and c (8-11), as ggml's kmask1..3 do:
         * scales of sub-blocks 0-3 fourLow(a), of 4-7 fourHighScales(a, c); mins of 0-3 fourLow(b),
         * of 4-7 fourHighMins(b, c).
         */

        /** Scales (from a) or mins (from b) of sub-blocks 0..3, byte t for sub-block t. */
        public static int fourLow(int aOrB) {
            return aOrB & 0x3F3F3F3F;
        }

        /** Scales of sub-blocks 4..7, byte t for sub-block 4 + t. */
        public static int fourHighScales(int a, int c) {
            return c & 0x0F0F0F0F | (a >>> 6 & 0x03030303) << 4;
        }

        /** Mins of sub-blocks 4..7, byte t for sub-block 4 + t. */
        public static int fourHighMins(int b, int c) {
            return c >>> 4 & 0x0F0F0F0F | (b >>> 6 & 0x03030303) << 4;
        }

        /**
         * Scales of sub-blocks 4h..4h + 3 ({@code h} 0 or 1) of the block at {@code block}, byte t
         * for sub-block 4h + t.
         */
        public static int fourScales(MemorySegment data, long block, int h) {
            int a = data.get(LittleEndian.INT, block + SCALES);
            return h == 0 ? fourLow(a) : fourHighScales(a, data.get(LittleEndian.INT, block + SCALES + 8));
        }

        /** Mins of sub-blocks 4h..4h + 3, as {@link #fourScales}. */
        public static int fourMins(MemorySegment data, long block, int h) {
            int b = data.get(LittleEndian.INT, block + SCALES + 4);
            return h == 0 ? fourLow(b) : fourHighMins(b, data.get(LittleEndian.INT, block + SCALES + 8));
        }
    }

    /**
     * {@code block_q5_K { half d; half dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; }}: as
     * Q4_K with 5-bit {@code q}; bit 4 of value {@code 32 * k + l} ({@code k < 8}, {@code l < 32}) is bit
     * {@code k} of {@code qh[l]}. Scales and mins as {@link Q4_K#scale}/{@link Q4_K#min}.
     */
    public static final class Q5_K {
        private Q5_K() {
        }

        public static final int QK = QK_K;
        public static final int D = 0;
        public static final int DMIN = 2;
        public static final int SCALES = 4;
        public static final int QH = SCALES + K_SCALE_SIZE;
        public static final int QS = QH + QK_K / 8;
        public static final int BYTES = QS + QK_K / 2;
    }

    /**
     * {@code block_q6_K { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; half d; }}: 16 sub-blocks of
     * 16, {@code x = d * scales[s] * (q - 32)} with 6-bit {@code q}. Each 128-value half uses 64 bytes of
     * {@code ql} and 32 of {@code qh}: for {@code l < 32}, values {@code l, l+32, l+64, l+96} take the low
     * nibble of {@code ql[l]}, of {@code ql[l+32]}, the high nibble of {@code ql[l]}, of {@code ql[l+32]},
     * and their top two bits from bits 0-1, 2-3, 4-5, 6-7 of {@code qh[l]}.
     */
    public static final class Q6_K {
        private Q6_K() {
        }

        public static final int QK = QK_K;
        public static final int QL = 0;
        public static final int QH = QL + QK_K / 2;
        public static final int SCALES = QH + QK_K / 4;
        public static final int D = SCALES + QK_K / 16;
        public static final int BYTES = D + 2;
    }

    /**
     * {@code block_q8_K { float d; int8_t qs[256]; int16_t bsums[16]; }}: {@code x = d * qs}, with the
     * sums of each 16 consecutive {@code qs} in {@code bsums}. ggml quantizes activations to it for the
     * K-quant dot products; note {@code d} is an fp32 here.
     */
    public static final class Q8_K {
        private Q8_K() {
        }

        public static final int QK = QK_K;
        public static final int D = 0;
        public static final int QS = 4;
        public static final int BSUMS = QS + QK_K;
        public static final int BYTES = BSUMS + 2 * (QK_K / 16);
    }
}
