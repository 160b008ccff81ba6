package org.mlm4j.kernels.panama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.mlm4j.kernels.KernelProvider;

/** The in-register lane sum adds in exactly {@link Lanes}' order: the same bits. */
class LaneSumTest {
    @Test
    void matchesTheFixedOrderSumBitForBit() {
        assumeTrue(KernelProvider.vectorModulePresent(), "the scalar execution has no Vector API");
        Random random = new Random(5);
        float[] lanes = new float[VectorConstants.F.length()];
        for (int trial = 0; trial < 1000; trial++) {
            for (int i = 0; i < lanes.length; i++) {
                lanes[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(8) - 4));
            }
            float expected = Lanes.sum(lanes.clone(), 0);
            float actual = PanamaOpsKernels.laneSum(FloatVector.fromArray(VectorConstants.F, lanes, 0));
            assertThat(Float.floatToRawIntBits(actual)).as("trial %d", trial).isEqualTo(Float.floatToRawIntBits(expected));
        }
    }

    /** The spelled-out sum of each width is the documented order: halves added in place until one is left. */
    @Test
    void spelledOutSumIsTheHalvingOrder() {
        assumeTrue(KernelProvider.vectorModulePresent(), "the scalar execution has no Vector API");
        Random random = new Random(6);
        int n = VectorConstants.F.length();
        float[] lanes = new float[n + 3];
        for (int trial = 0; trial < 1000; trial++) {
            for (int i = 0; i < lanes.length; i++) {
                lanes[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(8) - 4));
            }
            float[] halving = lanes.clone();
            for (int width = n / 2; width >= 1; width /= 2) {
                for (int i = 0; i < width; i++) {
                    halving[3 + i] += halving[3 + i + width];
                }
            }
            assertThat(Float.floatToRawIntBits(Lanes.sum(lanes, 3))).as("trial %d", trial)
                    .isEqualTo(Float.floatToRawIntBits(halving[3]));
        }
    }
}
