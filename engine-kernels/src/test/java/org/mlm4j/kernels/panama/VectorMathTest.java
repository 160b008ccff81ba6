package org.mlm4j.kernels.panama;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The vector exp and tanh: accuracy against the JDK, and the same bits before and after JIT compilation. */
class VectorMathTest {
    /** ggml_v_expf's documented bound is 1.45 ulp + 0.5 ulp of rounding. */
    private static final int EXP_MAX_ULPS = 2;

    private static float[] expOf(float[] x) {
        float[] y = new float[x.length];
        int lanes = VectorConstants.F.length();
        for (int i = 0; i + lanes <= x.length; i += lanes) {
            VectorMath.exp(FloatVector.fromArray(VectorConstants.F, x, i)).intoArray(y, i);
        }
        return y;
    }

    private static float[] grid() {
        int lanes = VectorConstants.F.length();
        int n = (int) ((92.0 + 112.0) / 0.013);
        float[] x = new float[(n + 16) / lanes * lanes];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (-112.0 + i * 0.013);
        }
        float[] special = {0f, -0f, 1f, -1f, 88.72283f, 88.7229f, -87.33654f, -103.9f, -104f, Float.NaN,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e-8f, -1e-8f, 1e30f, -1e30f};
        System.arraycopy(special, 0, x, 0, special.length);
        return x;
    }

    @Test
    void expIsWithinTwoUlpsOfTheJdk() {
        float[] x = grid();
        float[] y = expOf(x);
        for (int i = 0; i < x.length; i++) {
            float expected = (float) Math.exp(x[i]);
            if (Float.isNaN(expected)) {
                assertThat(y[i]).as("exp(%s)", x[i]).isNaN();
            } else if (expected < Float.MIN_NORMAL) {
                assertThat(Math.abs(y[i] - expected)).as("exp(%s)", x[i]).isLessThanOrEqualTo(2 * Float.MIN_VALUE);
            } else if (Float.isInfinite(expected)) {
                assertThat(y[i]).as("exp(%s)", x[i]).isEqualTo(expected);
            } else {
                assertThat(Math.abs(y[i] - expected) / Math.ulp(expected)).as("exp(%s)", x[i])
                        .isLessThanOrEqualTo(EXP_MAX_ULPS);
            }
        }
    }

    @Test
    void tanhIsAccurateAndSaturates() {
        float[] x = grid();
        float[] y = new float[x.length];
        int lanes = VectorConstants.F.length();
        for (int i = 0; i + lanes <= x.length; i += lanes) {
            VectorMath.tanh(FloatVector.fromArray(VectorConstants.F, x, i).mul(0.1f)).intoArray(y, i);
        }
        for (int i = 16; i < x.length; i++) {
            assertThat((double) y[i]).as("tanh(%s)", x[i] * 0.1f).isCloseTo(Math.tanh(x[i] * 0.1f),
                    org.assertj.core.api.Assertions.within(3e-7));
        }
    }

    @Test
    void sameBitsInterpretedAndCompiled() {
        float[] x = grid();
        float[] first = expOf(x);
        float[] later = first;
        for (int round = 0; round < 3000; round++) {
            later = expOf(x);
        }
        for (int i = 0; i < x.length; i++) {
            assertThat(Float.floatToRawIntBits(later[i])).as("exp(%s)", x[i]).isEqualTo(Float.floatToRawIntBits(first[i]));
        }
    }
}
