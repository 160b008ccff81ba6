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
}
