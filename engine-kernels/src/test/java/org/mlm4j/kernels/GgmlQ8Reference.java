package org.mlm4j.kernels;

/**
 * ggml's AVX {@code quantize_row_q8_0}/{@code quantize_row_q8_1} written out plainly, one value at a
 * time (the tensor module's {@code quantize_row_q8_0_ref} port differs on purpose: it multiplies by
 * {@code 1/d} and rounds halves away from zero, as ggml's scalar reference does).
 */
final class GgmlQ8Reference {
    final byte[] q;
    final float[] d;
    final float[] s;

    private GgmlQ8Reference(int n) {
        q = new byte[n];
        d = new float[n / 32];
        s = new float[n / 32];
    }

    static GgmlQ8Reference quantize(float[] x) {
        GgmlQ8Reference r = new GgmlQ8Reference(x.length);
        for (int block = 0; block < x.length / 32; block++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                float a = Math.abs(x[32 * block + j]);
                amax = a > amax ? a : amax;
            }
            float d = amax / 127f;
            float id = amax == 0 ? 0 : 127f / amax;
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                float v = x[32 * block + j] * id;
                long rounded = Math.round(v); // half up; step back to even on exact ties
                if (rounded - v == 0.5f && (rounded & 1) != 0) {
                    rounded--;
                }
                r.q[32 * block + j] = (byte) rounded;
                sum += (int) rounded;
            }
            r.d[block] = Float.float16ToFloat(Float.floatToFloat16(d));
            r.s[block] = Float.float16ToFloat(Float.floatToFloat16(d * sum));
        }
        return r;
    }

    /** The values the quantized activations stand for: {@code d·q}. */
    float[] dequantized() {
        float[] out = new float[q.length];
        for (int i = 0; i < q.length; i++) {
            out[i] = d[i / 32] * q[i];
        }
        return out;
    }
}
