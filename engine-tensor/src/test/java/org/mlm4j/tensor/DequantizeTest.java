package org.mlm4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Dequantization of hand-built blocks. Each test writes the block from chosen scales and levels with
 * its own reading of the layout in ggml-common.h, and states the value each level stands for as the
 * formula of ggml's dequantize_row_* (same fp32 operations in the same order), so results must be
 * exactly equal.
 */
class DequantizeTest {
    private final Random random = new Random(42);

    /** A block under construction: little-endian, as GGUF stores it. */
    private static ByteBuffer block(GgmlType type) {
        return ByteBuffer.allocate(type.typeSize).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static float[] dequantize(GgmlType type, ByteBuffer block) {
        float[] out = new float[type.blockSize];
        Dequantize.row(type, MemorySegment.ofArray(block.array()), 0, out, 0, out.length);
        return out;
    }

    private float randomHalf() {
        return HalfFloats.roundToF16((float) random.nextGaussian() * 0.01f);
    }

    private int[] randomLevels(int n, int bound) {
        return random.ints(n, 0, bound).toArray();
    }

    @Test
    void q4_0ByHand() {
        ByteBuffer b = block(GgmlType.Q4_0);
        b.putShort(0, (short) 0x3C00);      // d = 1.0
        b.put(2, (byte) 0x1F);              // qs[0]: value 0 = 0xF - 8 = 7, value 16 = 0x1 - 8 = -7
        b.put(17, (byte) 0x80);             // qs[15]: value 15 = 0 - 8, value 31 = 8 - 8
        float[] y = dequantize(GgmlType.Q4_0, b);
        assertThat(y[0]).isEqualTo(7f);
        assertThat(y[16]).isEqualTo(-7f);
        assertThat(y[15]).isEqualTo(-8f);
        assertThat(y[31]).isEqualTo(0f);
        assertThat(y[1]).isEqualTo(-8f);
    }

    @Test
    void legacyTypes() {
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1}) {
            boolean fiveBits = type == GgmlType.Q5_0 || type == GgmlType.Q5_1;
            boolean hasMin = type == GgmlType.Q4_1 || type == GgmlType.Q5_1;
            float d = randomHalf();
            float m = randomHalf();
            int[] q = randomLevels(32, fiveBits ? 32 : 16);
            ByteBuffer b = block(type);
            b.putShort(0, Float.floatToFloat16(d));
            int at = 2;
            if (hasMin) {
                b.putShort(2, Float.floatToFloat16(m));
                at = 4;
            }
            if (fiveBits) {
                int qh = 0;
                for (int j = 0; j < 32; j++) {
                    qh |= (q[j] >> 4) << j;
                }
                b.putInt(at, qh);
                at += 4;
            }
            for (int j = 0; j < 16; j++) {
                b.put(at + j, (byte) ((q[j] & 15) | (q[j + 16] & 15) << 4));
            }
            float[] y = dequantize(type, b);
            int bias = fiveBits ? 16 : 8;
            for (int j = 0; j < 32; j++) {
                float expected = hasMin ? q[j] * d + m : (q[j] - bias) * d;
                assertThat(y[j]).as("%s value %d", type, j).isEqualTo(expected);
            }
        }
    }

    @Test
    void q8_0() {
        float d = randomHalf();
        ByteBuffer b = block(GgmlType.Q8_0);
        b.putShort(0, Float.floatToFloat16(d));
        byte[] q = new byte[32];
        random.nextBytes(q);
        b.put(2, q);
        float[] y = dequantize(GgmlType.Q8_0, b);
        for (int j = 0; j < 32; j++) {
            assertThat(y[j]).isEqualTo(q[j] * d);
        }
    }

    /** Q2_K and Q3_K store 2-bit levels: value i is bits 2·((i%128)/32) of qs[32·(i/128) + i%32]. */
    private static void put2BitLevels(ByteBuffer b, int qs, int[] q) {
        for (int i = 0; i < 256; i++) {
            int at = qs + 32 * (i / 128) + i % 32;
            b.put(at, (byte) (b.get(at) | (q[i] & 3) << (2 * ((i % 128) / 32))));
        }
    }

    @Test
    void q2_K() {
        float d = randomHalf();
        float dmin = randomHalf();
        int[] sc = randomLevels(16, 16);
        int[] mn = randomLevels(16, 16);
        int[] q = randomLevels(256, 4);
        ByteBuffer b = block(GgmlType.Q2_K);
        for (int s = 0; s < 16; s++) {
            b.put(s, (byte) (sc[s] | mn[s] << 4));
        }
        put2BitLevels(b, 16, q);
        b.putShort(80, Float.floatToFloat16(d));
        b.putShort(82, Float.floatToFloat16(dmin));
        float[] y = dequantize(GgmlType.Q2_K, b);
        for (int i = 0; i < 256; i++) {
            int s = i / 16;
            assertThat(y[i]).as("value %d", i).isEqualTo((d * sc[s]) * q[i] - dmin * mn[s]);
        }
    }

    @Test
    void q3_K() {
        float d = randomHalf();
        int[] scale = random.ints(16, -32, 32).toArray();
        int[] q = randomLevels(256, 8);
        ByteBuffer b = block(GgmlType.Q3_K);
        for (int i = 0; i < 256; i++) {
            if ((q[i] & 4) != 0) {
                b.put(i % 32, (byte) (b.get(i % 32) | 1 << (i / 32)));   // hmask
            }
        }
        put2BitLevels(b, 32, q);
        for (int s = 0; s < 16; s++) {
            int u = scale[s] + 32;                                     // 6 bits
            int lowAt = 96 + s % 8;
            b.put(lowAt, (byte) (b.get(lowAt) | (u & 15) << (4 * (s / 8))));
            int highAt = 96 + 8 + s % 4;
            b.put(highAt, (byte) (b.get(highAt) | (u >> 4) << (2 * (s / 4))));
        }
        b.putShort(108, Float.floatToFloat16(d));
        float[] y = dequantize(GgmlType.Q3_K, b);
        for (int i = 0; i < 256; i++) {
            assertThat(y[i]).as("value %d", i).isEqualTo((d * scale[i / 16]) * (q[i] - 4));
        }
        for (int s = 0; s < 16; s++) {
            assertThat(Blocks.Q3_K.scale(MemorySegment.ofArray(b.array()), 0, s)).isEqualTo(scale[s]);
        }
    }

    /** The 12 bytes of 6-bit scales and mins of Q4_K/Q5_K, written out per sub-block. */
    private static void putScalesAndMins(ByteBuffer b, int at, int[] sc, int[] mn) {
        for (int s = 0; s < 8; s++) {
            if (s < 4) {
                b.put(at + s, (byte) (b.get(at + s) | sc[s]));
                b.put(at + s + 4, (byte) (b.get(at + s + 4) | mn[s]));
            } else {
                b.put(at + s + 4, (byte) ((sc[s] & 15) | (mn[s] & 15) << 4));
                b.put(at + s - 4, (byte) (b.get(at + s - 4) | (sc[s] >> 4) << 6));
                b.put(at + s, (byte) (b.get(at + s) | (mn[s] >> 4) << 6));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q5_K"})
    void q4_KAndQ5_K(GgmlType type) {
        boolean fiveBits = type == GgmlType.Q5_K;
        float d = randomHalf();
        float dmin = randomHalf();
        int[] sc = randomLevels(8, 64);
        int[] mn = randomLevels(8, 64);
        int[] q = randomLevels(256, fiveBits ? 32 : 16);
        ByteBuffer b = block(type);
        b.putShort(0, Float.floatToFloat16(d));
        b.putShort(2, Float.floatToFloat16(dmin));
        putScalesAndMins(b, 4, sc, mn);
        int qs = fiveBits ? 48 : 16;
        for (int i = 0; i < 256; i++) {
            int at = qs + 32 * (i / 64) + i % 32;                      // 64 values per 32 bytes
            b.put(at, (byte) (b.get(at) | (q[i] & 15) << (i % 64 < 32 ? 0 : 4)));
            if (fiveBits && q[i] > 15) {
                b.put(16 + i % 32, (byte) (b.get(16 + i % 32) | 1 << (i / 32)));
            }
        }
        float[] y = dequantize(type, b);
        for (int i = 0; i < 256; i++) {
            int s = i / 32;
            assertThat(y[i]).as("%s value %d", type, i).isEqualTo((d * sc[s]) * q[i] - dmin * mn[s]);
        }
        MemorySegment seg = MemorySegment.ofArray(b.array());
        for (int s = 0; s < 8; s++) {
            assertThat(Blocks.Q4_K.scale(seg, 4, s)).isEqualTo(sc[s]);
            assertThat(Blocks.Q4_K.min(seg, 4, s)).isEqualTo(mn[s]);
        }
    }

    @Test
    void q4_KScalesFourAtATimeAsOneByOne() {
        Random random = new Random(7);
        byte[] packed = new byte[Blocks.K_SCALE_SIZE];
        MemorySegment data = MemorySegment.ofArray(packed);
        for (int trial = 0; trial < 200; trial++) {
            random.nextBytes(packed);
            int a = data.get(LittleEndian.INT, 0), b = data.get(LittleEndian.INT, 4), c = data.get(LittleEndian.INT, 8);
            int[] four = {Blocks.Q4_K.fourLow(a), Blocks.Q4_K.fourHighScales(a, c), Blocks.Q4_K.fourLow(b),
                    Blocks.Q4_K.fourHighMins(b, c)};
            for (int s = 0; s < 8; s++) {
                assertThat(four[s / 4] >>> 8 * (s % 4) & 0xFF).as("scale %d", s).isEqualTo(Blocks.Q4_K.scale(data, 0, s));
                assertThat(four[2 + s / 4] >>> 8 * (s % 4) & 0xFF).as("min %d", s).isEqualTo(Blocks.Q4_K.min(data, 0, s));
            }
        }
    }

    @Test
    void q6_K() {
        float d = randomHalf();
        int[] q = randomLevels(256, 64);
        byte[] sc = new byte[16];
        random.nextBytes(sc);
        ByteBuffer b = block(GgmlType.Q6_K);
        for (int i = 0; i < 256; i++) {
            int half = i / 128;
            int l = i % 32;
            int group = (i % 128) / 32;                                 // 0..3
            int ql = 64 * half + l + (group % 2 == 1 ? 32 : 0);
            b.put(ql, (byte) (b.get(ql) | (q[i] & 15) << (group >= 2 ? 4 : 0)));
            int qh = 128 + 32 * half + l;
            b.put(qh, (byte) (b.get(qh) | (q[i] >> 4) << (2 * group)));
        }
        b.put(192, sc);
        b.putShort(208, Float.floatToFloat16(d));
        float[] y = dequantize(GgmlType.Q6_K, b);
        for (int i = 0; i < 256; i++) {
            assertThat(y[i]).as("value %d", i).isEqualTo((d * sc[i / 16]) * (q[i] - 32));
        }
    }

    @Test
    void q8_K() {
        float d = (float) random.nextGaussian();
        byte[] q = new byte[256];
        random.nextBytes(q);
        ByteBuffer b = block(GgmlType.Q8_K);
        b.putFloat(0, d);
        b.put(4, q);
        float[] y = dequantize(GgmlType.Q8_K, b);
        for (int i = 0; i < 256; i++) {
            assertThat(y[i]).isEqualTo(d * q[i]);
        }
    }

    @Test
    void floatTypes() {
        ByteBuffer b = ByteBuffer.allocate(13).order(ByteOrder.LITTLE_ENDIAN);
        b.putFloat(1, 1.5f).putFloat(5, -2.25f).putFloat(9, Float.MIN_VALUE);
        float[] y = new float[4];
        Dequantize.row(GgmlType.F32, MemorySegment.ofArray(b.array()), 1, y, 1, 3);
        assertThat(y).containsExactly(0f, 1.5f, -2.25f, Float.MIN_VALUE);
        b.putShort(1, (short) 0x3E00).putShort(3, (short) 0xC100);   // f16 1.5, -2.5
        Dequantize.row(GgmlType.F16, MemorySegment.ofArray(b.array()), 1, y, 0, 2);
        assertThat(y).startsWith(1.5f, -2.5f);
        b.putShort(1, (short) 0x3FC0).putShort(3, (short) 0xC020);   // bf16 1.5, -2.5
        Dequantize.row(GgmlType.BF16, MemorySegment.ofArray(b.array()), 1, y, 0, 2);
        assertThat(y).startsWith(1.5f, -2.5f);
    }

    @Test
    void tensorRowsAndMisuse() {
        float[] values = new float[3 * 64];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.sin(i);
        }
        byte[] bytes = Quantize.toBytes(GgmlType.Q8_0, values, 0, values.length);
        Tensor t = new Tensor("w", GgmlType.Q8_0, new long[] {64, 3}, MemorySegment.ofArray(bytes));
        float[] all = Dequantize.toFloatArray(t);
        float[] row = new float[65];
        Dequantize.row(t, 2, row, 1);
        for (int i = 0; i < 64; i++) {
            assertThat(row[i + 1]).isEqualTo(all[128 + i]);
        }
        MemorySegment data = t.data();
        assertThatThrownBy(() -> Dequantize.row(GgmlType.Q8_0, data, 0, new float[40], 0, 40))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("q8_0");
        assertThatThrownBy(() -> Dequantize.row(GgmlType.Q8_0, data, 34, new float[192], 0, 192))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Dequantize.row(GgmlType.Q8_0, data, 0, new float[64], 1, 64))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Dequantize.row(GgmlType.IQ4_XS, data, 0, new float[256], 0, 256))
                .isInstanceOf(UnsupportedTensorTypeException.class).hasMessageContaining("iq4_xs");
    }
}
