package org.mlm4j.kernels;

/**
 * The rotary position embedding of one model (ggml {@code rope_ext} with {@code ext_factor = 0},
 * {@code attn_factor = 1}): which dims rotate, in which pairs, and by which angles.
 *
 * <p>Angles follow ggml's recurrence exactly: {@code thetaScale = powf(base, −2/nRot)}; for a
 * token at position p, {@code θ_0 = p} and {@code θ_{i+1} = θ_i · thetaScale} by repeated float
 * multiplication (not a pow per pair); pair i turns by {@code freqScale · θ_i} with
 * {@code cosf}/{@code sinf} of that float.
 *
 * @param mode      which elements form a pair
 * @param headDim   floats per head
 * @param nRot      leading dims of each head that rotate (even, ≤ headDim; phi-2's partial rotary
 *                  rotates 32 of 80); the rest pass through unchanged
 * @param base      {@code rope.freq_base} (10000 by default)
 * @param freqScale {@code 1 / rope.scale_linear} (1 when unscaled)
 */
public record Rope(Mode mode, int headDim, int nRot, float base, float freqScale) {

    /** Pair layout within a head. */
    public enum Mode {
        /** Adjacent pairs {@code (x[2i], x[2i+1])}: llama (ggml mode 0). */
        NORMAL,
        /** Split halves {@code (x[i], x[i + nRot/2])}: phi-2, phi-3, GPT-NeoX (ggml mode 2). */
        NEOX
    }

    public Rope {
        if (nRot <= 0 || nRot % 2 != 0 || nRot > headDim) {
            throw new IllegalArgumentException("rope: n_rot " + nRot + " must be even and in 1.." + headDim);
        }
    }

    /** A rope over the whole head with no frequency scaling. */
    public static Rope of(Mode mode, int headDim, float base) {
        return new Rope(mode, headDim, headDim, base, 1f);
    }

    /** {@code powf(base, −2/nRot)}, the ratio of successive pair frequencies. */
    public float thetaScale() {
        return (float) Math.pow(base, -2.0f / nRot);
    }

    /** The cosines and sines of the {@code nRot/2} pair angles at {@code position}. */
    public void angles(int position, float[] cos, float[] sin) {
        float thetaScale = thetaScale();
        float theta = position;
        for (int i = 0; i < nRot / 2; i++) {
            float angle = freqScale * theta;
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
            theta *= thetaScale;
        }
    }
}
