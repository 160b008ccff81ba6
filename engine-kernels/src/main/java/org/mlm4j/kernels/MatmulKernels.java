package org.mlm4j.kernels;

import java.lang.foreign.MemorySegment;
import org.mlm4j.tensor.Tensor;

/**
 * Products of a weight matrix with a batch of activation rows: {@code Y = X · Wᵀ}, i.e. for every
 * activation row b and weight row r, {@code Y[b][r] = Σ_k W[r][k] · X[b][k]}.
 *
 * <p>Layouts: {@code w} is 2-D in ggml order {@code [cols, rows]} (a linear layer's
 * {@code [in, out]}), read in place in its own type. {@code x} holds {@code batch} rows of
 * {@code cols} floats starting at {@code xOffset}; {@code y} receives {@code batch} rows of
 * {@code rows} floats starting at {@code yOffset}.
 */
public interface MatmulKernels {

    /** How the activations enter the product. */
    enum Numerics {
        /**
         * As llama.cpp: activations converted to the weight type's ggml vec_dot_type first
         * (Q8_0 for Q4_x/Q5_x/Q8_0, Q8_K for K-quants, F16 for F16, BF16 for BF16), then
         * integer or F32 block dot products (oracle/NUMERICS.md).
         */
        GGML,
        /** Activations stay F32; weights are expanded to float inside the dot product. */
        FLOAT
    }

    /** {@code Y = X · Wᵀ} with {@link Numerics#GGML} numerics. */
    default void matmul(Tensor w, float[] x, int xOffset, float[] y, int yOffset, int batch) {
        matmul(w, x, xOffset, y, yOffset, batch, Numerics.GGML);
    }

    /** {@code Y = X · Wᵀ} with the given numerics. */
    void matmul(Tensor w, float[] x, int xOffset, float[] y, int yOffset, int batch, Numerics numerics);

    /**
     * Reads bytes {@code [from, to)} of {@code data} (a multiple of 256 long) with the widest loads
     * these kernels use and returns their sum as longs: the probe of the streaming read bandwidth
     * the decode kernels are measured against ({@code mlm4j bench kernels}).
     */
    long streamRead(MemorySegment data, long from, long to);

    /** Independent accumulators of {@link #fmaChains}: enough to cover an FMA unit's latency × throughput. */
    int FMA_CHAINS = 12;

    /**
     * The probe of the arithmetic peak the batched kernels are measured against
     * ({@code mlm4j bench kernels}): {@link #FMA_CHAINS} accumulators, each {@code steps} times
     * {@code acc = acc·multiplier + addend} with the widest FMA these kernels use, starting from
     * {@code addend}; returns the sum of all their lanes.
     */
    float fmaChains(float multiplier, float addend, long steps);

    /** Floating-point operations one step of {@link #fmaChains} performs (2 per FMA lane). */
    int fmaChainsFlopsPerStep();
}
