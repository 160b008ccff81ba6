package org.mlm4j.kernels;

import java.util.function.IntBinaryOperator;

/** The definitions the attention kernels are tested against, computed in double. */
final class NaiveAttention {
    private NaiveAttention() {
    }

    /**
     * Softmax attention over q [nTokens][nHeads·d] at positions firstPosition.., and k, v
     * [length][nKv·d]; query head h reads KV head h / (nHeads/nKv); position p is seen from query
     * position pos when {@code visible(pos, p) != 0}.
     */
    static double[] softmax(float[] q, int nTokens, int nHeads, int firstPosition, float[] k, float[] v,
                            int length, int nKv, int d, IntBinaryOperator visible, float scale) {
        double[] out = new double[nTokens * nHeads * d];
        for (int t = 0; t < nTokens; t++) {
            for (int h = 0; h < nHeads; h++) {
                int j = h / (nHeads / nKv);
                double[] s = new double[length];
                double max = Double.NEGATIVE_INFINITY;
                for (int p = 0; p < length; p++) {
                    if (visible.applyAsInt(firstPosition + t, p) == 0) {
                        s[p] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double dot = 0;
                    for (int i = 0; i < d; i++) {
                        dot += (double) q[(t * nHeads + h) * d + i] * k[(p * nKv + j) * d + i];
                    }
                    s[p] = dot * scale;
                    max = Math.max(max, s[p]);
                }
                double sum = 0;
                for (int p = 0; p < length; p++) {
                    s[p] = Math.exp(s[p] - max);
                    sum += s[p];
                }
                for (int p = 0; p < length; p++) {
                    for (int i = 0; i < d; i++) {
                        out[(t * nHeads + h) * d + i] += s[p] / sum * v[(p * nKv + j) * d + i];
                    }
                }
            }
        }
        return out;
    }

    /** Each value rounded to the nearest fp16, as an F16 cache stores it. */
    static float[] roundedToF16(float[] x) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = Float.float16ToFloat(Float.floatToFloat16(x[i]));
        }
        return r;
    }
}
