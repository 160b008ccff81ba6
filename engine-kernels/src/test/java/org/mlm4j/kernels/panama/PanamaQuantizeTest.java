package org.mlm4j.kernels.panama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mlm4j.kernels.Activations;
import org.mlm4j.kernels.KernelProvider;

/** The vector activation conversions give the scalar ones' bits: Q8_0 and Q8_K blocks, fp16 rounding. */
class PanamaQuantizeTest {
    @Test
    void matchesTheScalarQuantizerBitForBit() {
        assumeTrue(KernelProvider.vectorModulePresent(), "the scalar execution has no Vector API");
        Random random = new Random(11);
        int blocks = 400;
        float[] x = new float[32 * blocks + 5];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(6) - 3));
        }
        // a block of zeros, and one whose multiplier is exactly 1 so that x·id lands on ties
        java.util.Arrays.fill(x, 5 + 32, 5 + 64, 0f);
        float[] ties = {127, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.5f, -126.5f, 126.5f};
        System.arraycopy(ties, 0, x, 5 + 64, ties.length);
        byte[] expectedQs = new byte[32 * blocks];
        byte[] actualQs = new byte[32 * blocks];
        float[] expectedD = new float[blocks];
        float[] actualD = new float[blocks];
        float[] expectedS = new float[blocks];
        float[] actualS = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            Activations.quantizeQ8_0Block(x, 5 + 32 * b, expectedQs, 32 * b, expectedD, expectedS, b);
            PanamaQuantize.q8_0Block(x, 5 + 32 * b, actualQs, 32 * b, actualD, actualS, b);
        }
        assertThat(actualQs).containsExactly(expectedQs);
        assertThat(actualD).containsExactly(expectedD);
        assertThat(actualS).containsExactly(expectedS);
    }

    /**
     * Q8_K: random blocks over six decades, a block of zeros, one whose largest magnitude comes
     * first negative then positive (ggml keeps the first), one whose multiplier lands on ties, one
     * with an infinity and one with a NaN.
     */
    @Test
    void matchesTheScalarQ8_KQuantizerBitForBit() {
        assumeTrue(KernelProvider.vectorModulePresent(), "the scalar execution has no Vector API");
        Random random = new Random(13);
        int blocks = 40;
        float[] x = new float[256 * blocks + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(6) - 3));
        }
        java.util.Arrays.fill(x, 3, 3 + 256, 0f);
        java.util.Arrays.fill(x, 3 + 256, 3 + 512, 0.25f);
        x[3 + 256 + 7] = -50f;
        x[3 + 256 + 200] = 50f;
        float[] ties = {-127, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.5f, -126.5f, 126.5f};
        java.util.Arrays.fill(x, 3 + 512, 3 + 768, 0.25f);
        System.arraycopy(ties, 0, x, 3 + 512, ties.length);
        x[3 + 768 + 9] = Float.POSITIVE_INFINITY;
        x[3 + 1024 + 100] = Float.NaN;
        byte[] expectedQs = new byte[256 * blocks];
        byte[] actualQs = new byte[256 * blocks];
        float[] expectedD = new float[blocks];
        float[] actualD = new float[blocks];
        short[] expectedSums = new short[16 * blocks];
        short[] actualSums = new short[16 * blocks];
        for (int b = 0; b < blocks; b++) {
            Activations.quantizeQ8_KBlock(x, 3 + 256 * b, expectedQs, 256 * b, expectedD, expectedSums, b);
            PanamaQuantize.q8_KBlock(x, 3 + 256 * b, actualQs, 256 * b, actualD, actualSums, b);
        }
        assertThat(actualQs).containsExactly(expectedQs);
        for (int b = 0; b < blocks; b++) {
            assertThat(Float.floatToRawIntBits(actualD[b])).as("block %d", b)
                    .isEqualTo(Float.floatToRawIntBits(expectedD[b]));
        }
        assertThat(actualSums).containsExactly(expectedSums);
    }

    /**
     * Every exponent, both signs, and mantissas around each rounding boundary (low 13 bits at and
     * next to halfway, with bit 13 set and clear) plus random ones: fp16 subnormals, the normal range,
     * overflow to infinity, infinities and NaN.
     */
    @Test
    void roundsToF16AsTheScalarConversionBitForBit() {
        assumeTrue(KernelProvider.vectorModulePresent(), "the scalar execution has no Vector API");
        Random random = new Random(12);
        int[] lowBits = {0, 1, 0xFFF, 0x1000, 0x1001, 0x1FFF, 0x0800, 0x17FF};
        java.util.List<Float> values = new java.util.ArrayList<>();
        for (int sign = 0; sign < 2; sign++) {
            for (int exponent = 0; exponent < 256; exponent++) {
                for (int k = 0; k < 24; k++) {
                    int high = k < 16 ? (k & 1) << 13 | (random.nextInt(1 << 9) << 14) : random.nextInt(1 << 23);
                    int mantissa = k < 16 ? high | lowBits[k / 2] : high;
                    values.add(Float.intBitsToFloat(sign << 31 | exponent << 23 | (mantissa & 0x7FFFFF)));
                }
            }
        }
        values.add(65504f);
        values.add(65519.996f);
        values.add(65520f);
        values.add(0x1p-14f);
        values.add(Math.nextDown(0x1p-14f));
        values.add(0x1p-25f);
        values.add(-0x1p-25f);
        values.add(Math.nextUp(0x1p-25f));
        float[] x = new float[values.size() + 3];
        for (int i = 0; i < values.size(); i++) {
            x[i + 3] = values.get(i);
        }
        float[] expected = new float[x.length];
        float[] actual = new float[x.length];
        org.mlm4j.kernels.Activations.roundToF16(x, 3, expected, 1, values.size());
        PanamaQuantize.roundToF16(x, 3, actual, 1, values.size());
        for (int i = 0; i < x.length; i++) {
            if (Float.isNaN(expected[i])) {
                assertThat(actual[i]).as("x = %s", x[i + 2]).isNaN();
            } else {
                assertThat(Float.floatToRawIntBits(actual[i])).as("x = %s (%08x)", x[Math.min(i + 2, x.length - 1)],
                        Float.floatToRawIntBits(x[Math.min(i + 2, x.length - 1)])).isEqualTo(Float.floatToRawIntBits(expected[i]));
            }
        }
    }
}
