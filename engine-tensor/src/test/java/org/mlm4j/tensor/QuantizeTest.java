package org.mlm4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Reference quantization. Round-trip errors are held to ggml's own limits from
 * {@code tests/test-quantize-fns.cpp} (same data, same error measure); the rounding rules and a few
 * blocks are checked by hand. Bit-exactness with llama-quantize is checked on real files by
 * {@code OracleQuantTest} in engine-loader.
 */
class QuantizeTest {
    // test-quantize-fns.cpp
    private static final float MAX_QUANTIZATION_TOTAL_ERROR = 0.002f;
    private static final float MAX_QUANTIZATION_TOTAL_ERROR_2BITS = 0.0075f;
    private static final float MAX_QUANTIZATION_TOTAL_ERROR_3BITS = 0.0040f;
    private static final int TEST_SIZE = 32 * 128;

    /** test-quantize-fns.cpp's generate_data: {@code 0.1 + 2 cos(i + offset)}, in float as there. */
    private static float[] generateData(float offset, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (0.1 + 2.0f * (float) Math.cos(i + offset));
        }
        return x;
    }

    /** test-quantize-fns.cpp's array_rmse: sqrt of the summed squared error, divided by n. */
    private static float arrayRmse(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double diff = a[i] - b[i];
            sum += diff * diff;
        }
        return (float) Math.sqrt(sum) / a.length;
    }

    private static float[] roundTrip(GgmlType type, float[] x) {
        byte[] q = Quantize.toBytes(type, x, 0, x.length);
        assertThat(q).hasSize(Math.toIntExact(type.byteSize(x.length)));
        float[] y = new float[x.length];
        Dequantize.row(type, MemorySegment.ofArray(q), 0, y, 0, y.length);
        return y;
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class,
            names = {"F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K"})
    void roundTripErrorIsWithinGgmlsLimit(GgmlType type) {
        float[] x = generateData(0.0f, TEST_SIZE);
        float limit = switch (type) {
            case Q2_K -> MAX_QUANTIZATION_TOTAL_ERROR_2BITS;
            case Q3_K -> MAX_QUANTIZATION_TOTAL_ERROR_3BITS;
            default -> MAX_QUANTIZATION_TOTAL_ERROR;
        };
        assertThat(arrayRmse(x, roundTrip(type, x))).as(type.ggmlName()).isLessThan(limit);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void moreBitsGiveSmallerErrorOnGaussianWeights(GgmlType type) {
        Random random = new Random(7);
        float[] x = new float[4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian() * 0.02f;
        }
        // relative RMS error per type, about 1.3x what these quantizers reach (q2_K 0.29, q3_K 0.15,
        // q4_0 0.086, q4_K 0.071, q5_0 0.042, q5_K 0.036, q6_K 0.018, q8_0 0.0053)
        float limit = switch (type) {
            case Q2_K -> 0.38f;
            case Q3_K -> 0.2f;
            case Q4_0, Q4_1, Q4_K -> 0.11f;
            case Q5_0, Q5_1, Q5_K -> 0.055f;
            case Q6_K -> 0.023f;
            default -> 0.007f;
        };
        float[] y = roundTrip(type, x);
        double err = 0;
        double norm = 0;
        for (int i = 0; i < x.length; i++) {
            err += (x[i] - y[i]) * (double) (x[i] - y[i]);
            norm += x[i] * (double) x[i];
        }
        assertThat(Math.sqrt(err / norm)).as(type.ggmlName()).isLessThan(limit);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K"})
    void zerosStayZeros(GgmlType type) {
        float[] y = roundTrip(type, new float[2 * type.blockSize]);
        // symmetric formats give -0.0 where ggml does (d = 0 / -8 = -0.0)
        for (float v : y) {
            assertThat(v == 0f).isTrue();
        }
    }

    @Test
    void roundingRulesAreCs() {
        assertThat(Quantize.roundHalfAway(2.5f)).isEqualTo(3);
        assertThat(Quantize.roundHalfAway(-2.5f)).isEqualTo(-3);
        assertThat(Quantize.roundHalfAway(0.49999997f)).isEqualTo(0);
        assertThat(Quantize.roundHalfAway(-126.6f)).isEqualTo(-127);
        assertThat(Quantize.nearestInt(2.5f)).isEqualTo(2);
        assertThat(Quantize.nearestInt(3.5f)).isEqualTo(4);
        assertThat(Quantize.nearestInt(-2.5f)).isEqualTo(-2);
        assertThat(Quantize.nearestInt(-2.6f)).isEqualTo(-3);
        assertThat(Quantize.nearestInt(4194303f)).isEqualTo(4194303);
    }

    @Test
    void q8_0ByHand() {
        float[] x = new float[32];
        x[0] = 127f;      // amax: d = 1, 1/d = 1
        x[1] = 2.5f;      // roundf: away from zero
        x[2] = -2.5f;
        x[3] = 0.4f;
        x[4] = -127f;
        byte[] q = Quantize.toBytes(GgmlType.Q8_0, x, 0, 32);
        assertThat(q[0]).isEqualTo((byte) 0x00);   // fp16 1.0 = 0x3C00, little-endian
        assertThat(q[1]).isEqualTo((byte) 0x3C);
        assertThat(Arrays.copyOfRange(q, 2, 7)).containsExactly(127, 3, -3, 0, -127);
    }

    @Test
    void q4_0ByHand() {
        float[] x = new float[32];
        x[0] = -16f;      // the value of largest magnitude: d = -16 / -8 = 2, level 0
        x[1] = 14f;       // 14 / 2 + 8.5 = 15.5 -> 15
        x[2] = 16f;       // 16 / 2 + 8.5 = 16.5 -> 16, clamped to 15
        x[16] = 1f;       // 1 / 2 + 8.5 = 9 -> 9
        x[17] = -1f;      // 8.0 -> 8... -0.5 + 8.5 = 8 -> 8
        byte[] q = Quantize.toBytes(GgmlType.Q4_0, x, 0, 32);
        assertThat(HalfFloats.f16ToF32((short) ((q[0] & 0xFF) | q[1] << 8))).isEqualTo(2f);
        assertThat(q[2]).isEqualTo((byte) (0 | 9 << 4));
        assertThat(q[3]).isEqualTo((byte) (15 | 8 << 4));
        assertThat(q[4]).isEqualTo((byte) (15 | 8 << 4));
    }

    @Test
    void q8_KKeepsAnFp32ScaleAndGroupSums() {
        float[] x = generateData(0.5f, 512);
        byte[] q = Quantize.toBytes(GgmlType.Q8_K, x, 0, x.length);
        MemorySegment s = MemorySegment.ofArray(q);
        for (int b = 0; b < 2; b++) {
            long at = (long) b * Blocks.Q8_K.BYTES;
            float max = 0;
            for (int j = 0; j < 256; j++) {
                if (Math.abs(x[256 * b + j]) > Math.abs(max)) {
                    max = x[256 * b + j];
                }
            }
            assertThat(s.get(LittleEndian.FLOAT, at + Blocks.Q8_K.D)).isEqualTo(1 / (-127f / max));
            for (int g = 0; g < 16; g++) {
                int sum = 0;
                for (int j = 0; j < 16; j++) {
                    sum += LittleEndian.i8(s, at + Blocks.Q8_K.QS + 16 * g + j);
                }
                assertThat((int) s.get(LittleEndian.SHORT, at + Blocks.Q8_K.BSUMS + 2L * g)).isEqualTo(sum);
            }
        }
    }

    @Test
    void rowsLandAtTheirOffsets() {
        float[] x = generateData(1.0f, 3 * 256);
        byte[] whole = Quantize.toBytes(GgmlType.Q4_K, x, 0, x.length);
        byte[] dst = new byte[7 + whole.length];
        for (int r = 0; r < 3; r++) {
            Quantize.row(GgmlType.Q4_K, x, 256 * r, 256, MemorySegment.ofArray(dst), 7 + 144L * r);
        }
        assertThat(Arrays.copyOfRange(dst, 7, dst.length)).isEqualTo(whole);
        assertThat(Quantize.toBytes(GgmlType.F32, new float[] {1.5f}, 0, 1)).containsExactly(0, 0, (byte) 0xC0, 0x3F);
    }

    @Test
    void misuseIsRejected() {
        float[] x = new float[64];
        assertThatThrownBy(() -> Quantize.toBytes(GgmlType.IQ2_XXS, x, 0, 256)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Quantize.toBytes(GgmlType.IQ4_NL, x, 0, 32))
                .isInstanceOf(UnsupportedTensorTypeException.class).hasMessageContaining("iq4_nl");
        assertThatThrownBy(() -> Quantize.toBytes(GgmlType.Q8_0, x, 0, 48))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("q8_0");
        assertThatThrownBy(() -> Quantize.row(GgmlType.Q8_0, x, 0, 64, MemorySegment.ofArray(new byte[67]), 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }
}
