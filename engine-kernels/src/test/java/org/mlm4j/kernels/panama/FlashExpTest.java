package org.mlm4j.kernels.panama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.mlm4j.kernels.KernelProvider;

/** The tiled attention's exp of non-positive scores against Math.exp, edges included. */
class FlashExpTest {
    @Test
    void expOfNonPositiveValuesIsWithinAFewUlps() {
        assumeTrue(KernelProvider.vectorModulePresent(), "the scalar execution has no Vector API");
        int lanes = VectorConstants.F.length();
        float[] x = new float[lanes];
        float[] y = new float[lanes];
        double worstUlps = 0;
        float worstAt = 0;
        for (int i = 0; i <= 200_000; i += lanes) {
            for (int l = 0; l < lanes; l++) {
                x[l] = -90f * (i + l) / 200_000;
            }
            PanamaFlashAttention.expNonPositive(FloatVector.fromArray(VectorConstants.F, x, 0)).intoArray(y, 0);
            for (int l = 0; l < lanes; l++) {
                float expected = (float) Math.exp(x[l]);
                double ulps = expected < Float.MIN_NORMAL ? (y[l] <= Float.MIN_NORMAL ? 0 : Double.MAX_VALUE)
                        : Math.abs(y[l] - expected) / Math.ulp(expected);
                if (ulps > worstUlps) {
                    worstUlps = ulps;
                    worstAt = x[l];
                }
            }
        }
        assertThat(worstUlps).as("worst error, at exp(%s)", worstAt).isLessThanOrEqualTo(3);
        x[0] = Float.NEGATIVE_INFINITY;
        x[1 % lanes] = 0f;
        PanamaFlashAttention.expNonPositive(FloatVector.fromArray(VectorConstants.F, x, 0)).intoArray(y, 0);
        assertThat(y[1 % lanes]).isEqualTo(lanes > 1 ? 1f : 0f);
        assertThat(y[0]).isEqualTo(0f);
    }
}
