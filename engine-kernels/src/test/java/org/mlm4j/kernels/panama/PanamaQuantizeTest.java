package org.mlm4j.kernels.panama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mlm4j.kernels.Activations;
import org.mlm4j.kernels.KernelProvider;

/** The vector Q8_0 quantizer gives the scalar one's bytes, scales and Q8_1 sums, ties included. */
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
}
