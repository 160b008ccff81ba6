package org.mlm4j.kernels;

/**
 * Scalar activation functions and ggml's fp16 activation tables, shared by the scalar and the
 * Vector API kernels (a table lookup has no vector form worth having).
 */
public final class ActivationFunctions {
    private ActivationFunctions() {
    }

    private static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;
    private static final float GELU_COEF_A = 0.044715f;
    private static final float GELU_QUICK_COEF = -1.702f;

    /** {@code table[h] = fp16(geluTanh(fp32(h)))} for every fp16 bit pattern h, as floats. */
    private static final float[] GELU_TABLE = table(ActivationFunctions::geluTanh);
    /** {@code table[h] = fp16(quickGelu(fp32(h)))}. */
    private static final float[] QUICK_GELU_TABLE = table(ActivationFunctions::quickGeluExact);

    private interface FloatFunction {
        float apply(float x);
    }

    private static float[] table(FloatFunction f) {
        float[] t = new float[1 << 16];
        for (int h = 0; h < t.length; h++) {
            t[h] = Float.float16ToFloat(Float.floatToFloat16(f.apply(Float.float16ToFloat((short) h))));
        }
        return t;
    }

    /** ggml {@code gelu_f32}: {@code 0.5x(1 + tanhf(√(2/π)·x·(1 + 0.044715x²)))} in float. */
    public static float geluTanh(float x) {
        return 0.5f * x * (1.0f + (float) Math.tanh(SQRT_2_OVER_PI * x * (1.0f + GELU_COEF_A * x * x)));
    }

    /** ggml's table GELU: 0 for x ≤ −10, x for x ≥ 10, else {@code table[fp16(x)]}. */
    public static float geluTable(float x) {
        if (x <= -10.0f) {
            return 0.0f;
        }
        if (x >= 10.0f) {
            return x;
        }
        return GELU_TABLE[Float.floatToFloat16(x) & 0xffff];
    }

    /** ggml's table quick-GELU: {@code table[fp16(x)]} for every x. */
    public static float quickGeluTable(float x) {
        return QUICK_GELU_TABLE[Float.floatToFloat16(x) & 0xffff];
    }

    /** ggml {@code gelu_quick_f32}: {@code x · 1/(1 + expf(−1.702x))}. */
    public static float quickGeluExact(float x) {
        return x * (1.0f / (1.0f + (float) Math.exp(GELU_QUICK_COEF * x)));
    }

    /** {@code 0.5x(1 + erf(x/√2))} = {@code 0.5x·erfc(−x/√2)}, relative error about 1e-7. */
    public static float geluErf(float x) {
        return (float) (0.5 * x * erfc(-x / Math.sqrt(2.0)));
    }

    /**
     * Complementary error function with relative error below 1.2e-7 everywhere (the Chebyshev-fitted
     * exponential form of Numerical Recipes' {@code erfcc}); erfc(−z) = 2 − erfc(z).
     */
    public static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2.0 - r;
    }

    /** ggml {@code silu_f32}: {@code x/(1 + expf(−x))}. */
    public static float silu(float x) {
        return x / (1.0f + (float) Math.exp(-x));
    }

    /** ggml {@code hardsigmoid}: {@code min(max((x + 3)/6, 0), 1)}. */
    public static float hardsigmoid(float x) {
        return Math.min(1.0f, Math.max(0.0f, (x + 3.0f) / 6.0f));
    }
}
