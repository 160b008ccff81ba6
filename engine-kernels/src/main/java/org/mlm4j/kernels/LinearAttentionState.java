package org.mlm4j.kernels;

import java.util.Arrays;

/**
 * The recurrent state of causal linear attention ({@link AttentionKernels#linearAttention}): per KV
 * head the running sums {@code S = Σ_p φ(k_p) v_pᵀ} (M×d), {@code z = Σ_p φ(k_p)} (M) and FAVOR+'s
 * stabiliser c (S and z hold {@code exp(−c)} times the true sums), over positions
 * {@code 0 … folded() − 1}. A decoder carries one per layer ({@link KvBuffer#linear}), so a token
 * costs O(M·d) per KV head and the memory stays fixed however far the positions run ("Transformers
 * are RNNs", Katharopoulos et al. 2020). Query heads sharing a KV head (GQA) read its state.
 * Not thread-safe; a kernel updates the heads concurrently, each head by one thread.
 */
public final class LinearAttentionState {
    private final int features;
    private final int headDim;
    private final float[][] sums;
    private final float[][] normalisers;
    private final float[] stabilisers;
    private int folded;

    public LinearAttentionState(int nKvHeads, int features, int headDim) {
        if (nKvHeads <= 0 || features <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("linear attention state: " + nKvHeads + " kv heads of " + features
                    + " features × " + headDim);
        }
        this.features = features;
        this.headDim = headDim;
        this.sums = new float[nKvHeads][Math.multiplyExact(features, headDim)];
        this.normalisers = new float[nKvHeads][features];
        this.stabilisers = new float[nKvHeads];
        reset();
    }

    /** M, the feature width the state was made for. */
    public int features() {
        return features;
    }

    public int headDim() {
        return headDim;
    }

    public int nKvHeads() {
        return stabilisers.length;
    }

    /** Positions folded in: the next call must start at this position. */
    public int folded() {
        return folded;
    }

    /** {@code S} of a KV head, {@code [M][d]} row-major; the kernels update it in place. */
    public float[] sums(int kvHead) {
        return sums[kvHead];
    }

    /** {@code z} of a KV head; the kernels update it in place. */
    public float[] normaliser(int kvHead) {
        return normalisers[kvHead];
    }

    /** The KV head's stabiliser c (−∞ before the first key; always 0 for elu+1). */
    public float stabiliser(int kvHead) {
        return stabilisers[kvHead];
    }

    public void setStabiliser(int kvHead, float c) {
        stabilisers[kvHead] = c;
    }

    /** Records that the kernels folded positions up to {@code position} (exclusive) into every head. */
    public void foldedTo(int position) {
        if (position < folded) {
            throw new IllegalArgumentException("linear attention state: cannot rewind from " + folded + " to " + position);
        }
        folded = position;
    }

    /** Back to no positions (a session starting over). */
    public void reset() {
        for (int h = 0; h < sums.length; h++) {
            Arrays.fill(sums[h], 0f);
            Arrays.fill(normalisers[h], 0f);
        }
        Arrays.fill(stabilisers, Float.NEGATIVE_INFINITY);
        folded = 0;
    }

    /** Bytes of state, independent of the positions folded in. */
    public long storageBytes() {
        return 4L * sums.length * ((long) features * headDim + features + 1);
    }

    /**
     * The state a kernel call works on, after the checks every linear kernel makes: the buffer's
     * carried state (causal only; it must have folded exactly the positions before
     * {@code firstPosition}, and the batch's keys must still be stored), or a fresh one for a
     * buffer that carries none (the whole history is then read from the buffer).
     */
    public static LinearAttentionState forCall(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition,
                                               KvBuffer kv, boolean causal, int features,
                                               float[] out, int outOffset, int outStride) {
        LinearAttentionState carried = kv.linearState();
        if (carried == null) {
            AttentionShapes.check(q, qOffset, qStride, nTokens, nHeads, firstPosition, kv,
                    causal ? AttentionMask.CAUSAL : AttentionMask.NONE, out, outOffset, outStride);
            return new LinearAttentionState(kv.nKvHeads(), features, kv.headDim());
        }
        AttentionShapes.checkRows(q, qOffset, qStride, nTokens, nHeads, kv, out, outOffset, outStride);
        if (!causal) {
            throw new IllegalArgumentException("attention: a linear attention state is causal; an encoder reads its keys directly");
        }
        if (carried.features != features || carried.headDim != kv.headDim()) {
            throw new IllegalArgumentException("attention: the buffer's linear state has " + carried.features
                    + " features × " + carried.headDim + ", the call needs " + features + " × " + kv.headDim());
        }
        if (firstPosition != carried.folded || firstPosition < kv.oldestStored()
                || firstPosition + nTokens > kv.length()) {
            throw new IllegalArgumentException("attention: positions " + firstPosition + ".." + (firstPosition + nTokens - 1)
                    + " do not follow the linear state (" + carried.folded + " positions folded, buffer holds "
                    + kv.oldestStored() + ".." + (kv.length() - 1) + ")");
        }
        return carried;
    }
}
