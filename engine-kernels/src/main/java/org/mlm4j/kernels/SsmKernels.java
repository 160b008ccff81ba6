package org.mlm4j.kernels;

import java.lang.foreign.MemorySegment;

/** State-space-model kernels (Mamba-1). */
public interface SsmKernels {

    /**
     * Mamba-1 selective scan over {@code nTokens} consecutive tokens of one sequence, as
     * llama.cpp's {@code ggml_ssm_scan} (c392e50). For every channel d and state n, with
     * {@code Δ = softplus(dt[t][d])} ({@code log1pf(expf(dt))}, dt above 20 passes through):
     * <pre>
     *   s[d][n] = s[d][n] · exp(Δ · A[d][n]) + B[t][n] · (x[t][d] · Δ)
     *   y[t][d] = Σ_n s[d][n] · C[t][n]          (summed in float, n ascending)
     * </pre>
     * Layouts: {@code state} [dInner][dState], updated in place (the recurrent state, F32);
     * {@code a} the F32 data of {@code ssm_a} [dInner][dState] (already −exp(A_log)), read in
     * place; {@code x}, {@code dt}, {@code y} are [nTokens][dInner]; B and C are read from rows of
     * {@code bcStride} floats of {@code bc} (the x_proj output [dt_rank | B | C]) at
     * {@code bOffset} and {@code cOffset} within each row. One token is the O(1) decode step;
     * many tokens are the prefill, which gives the same numbers.
     */
    default void selectiveScan(float[] state, MemorySegment a, int dInner, int dState,
                               float[] x, float[] dt, float[] bc, int bOffset, int cOffset, int bcStride,
                               float[] y, int nTokens) {
        // channels are independent: each thread takes whole channels and runs them through time
        Parallel.forRange(dInner, channelGrain(dInner, dState, nTokens), (from, to) -> {
            for (int d = from; d < to; d++) {
                scanChannel(state, a, d, dInner, dState, x, dt, bc, bOffset, cOffset, bcStride, y, nTokens);
            }
        });
    }

    /** {@link #selectiveScan} for channel {@code d} alone, all {@code nTokens} in order. */
    void scanChannel(float[] state, MemorySegment a, int d, int dInner, int dState,
                     float[] x, float[] dt, float[] bc, int bOffset, int cOffset, int bcStride,
                     float[] y, int nTokens);

    /** ggml's softplus for Mamba's Δ: {@code log1p(exp(v))}, or v itself above 20. */
    static float softplus(float v) {
        return v <= 20.0f ? (float) Math.log1p((float) Math.exp(v)) : v;
    }

    /** Channels per parallel chunk: about 32k state updates each, so a decode step is not all overhead. */
    private static int channelGrain(int dInner, int dState, int nTokens) {
        return Parallel.grain(dInner, (long) dState * nTokens, 32_768, 8);
    }
}
