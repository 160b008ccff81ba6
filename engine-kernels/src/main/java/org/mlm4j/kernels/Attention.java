package org.mlm4j.kernels;

import java.util.Objects;

/**
 * An {@link AttentionSpec} bound to kernels: the one hook a model uses for self-attention. The
 * model allocates each layer's cache with {@link #newCache}, appends K/V with
 * {@link KvBuffer#put} as before, and calls {@link #attend} with its own mask (causal, phi-3's
 * sliding window, or none for the ViT); the spec decides the kernel and the mask actually used:
 * <ul>
 * <li>exact: the model's mask. Over an F32 cache (the ViT's, {@code --kv-type f32}) a batch of at
 *     least {@link #FLASH_MIN_TOKENS} queries goes through the tiled kernel, which is faster
 *     (docs/attention.md) and equal within float rounding. An F16 cache, and one-token decode,
 *     keep the two-pass kernel: llama.cpp rounds the softmax probabilities to F16 there, which
 *     the tiled kernel cannot do (it never holds the normalised probabilities), and its results
 *     would move away from llama.cpp's by that rounding;</li>
 * <li>flash: the model's mask, always by the tiled kernel;</li>
 * <li>window: causal window W (the smaller of the spec's and the model's own) plus S sinks, over a
 *     ring cache of {@code S + W + maxBatch − 1} rows, so positions run past the context length;
 *     keys keep the absolute position RoPE gave them when written (docs/attention.md);</li>
 * <li>block: the block-sparse mask, causal as the model is;</li>
 * <li>linear: linear attention with the feature map, causal as the model is; a decoder's cache
 *     carries its running sums ({@link LinearAttentionState}), so decode costs O(M·d) per token
 *     and positions run past the context length.</li>
 * </ul>
 */
public final class Attention {
    /** Query rows from which the tiled kernel beats the two-pass one (measured; docs/attention.md). */
    public static final int FLASH_MIN_TOKENS = 2;

    private final AttentionSpec spec;
    private final AttentionKernels kernels;

    private Attention(AttentionSpec spec, AttentionKernels kernels) {
        this.spec = Objects.requireNonNull(spec);
        this.kernels = kernels;
    }

    /** The spec on this JVM's kernels ({@link KernelProvider#get()}). */
    public static Attention of(AttentionSpec spec) {
        return of(spec, KernelProvider.get());
    }

    public static Attention of(AttentionSpec spec, KernelProvider provider) {
        return new Attention(spec, provider.attention());
    }

    /** As {@link #of}, for an encoder (every token sees every token): a sliding window is refused. */
    public static Attention forEncoder(AttentionSpec spec) {
        if (spec instanceof AttentionSpec.Window) {
            throw new IllegalArgumentException("attention " + spec
                    + " is causal (a decoder's KV ring); an encoder takes exact, block:B[,stride:T] or linear");
        }
        return of(spec);
    }

    public AttentionSpec spec() {
        return spec;
    }

    /**
     * Whether a session may run past its context length: true for a window, whose ring keeps
     * only the sinks and the recent positions in fixed memory, and for linear attention, whose
     * running sums hold every earlier position in fixed memory.
     */
    public boolean streams() {
        return spec instanceof AttentionSpec.Window || spec instanceof AttentionSpec.Linear;
    }

    /**
     * One layer's K/V cache for a causal session of {@code contextLength} positions evaluated in
     * batches of at most {@code maxBatch}: a ring of {@code S + W + maxBatch − 1} rows for a window
     * and, for linear attention, its recurrent state and no rows ({@link KvBuffer#linear}),
     * whatever the context length; a plain buffer of
     * {@code contextLength} rows otherwise.
     */
    public KvBuffer newCache(KvBuffer.Type type, int contextLength, int maxBatch, int nKvHeads, int headDim) {
        return switch (spec) {
            case AttentionSpec.Window w ->
                    KvBuffer.ring(type, w.sinks(), Math.addExact(w.window(), maxBatch - 1), nKvHeads, headDim);
            case AttentionSpec.Linear l ->
                    KvBuffer.linear(type, nKvHeads, headDim, l.features().features(headDim));
            default -> KvBuffer.allocate(type, contextLength, nKvHeads, headDim);
        };
    }

    /**
     * Attention of {@code nTokens} queries at {@code firstPosition …} over {@code kv}, in the
     * layouts of {@link AttentionKernels#attention}; {@code modelMask} is the model's own mask.
     */
    public void attend(float[] q, int qOffset, int qStride, int nTokens, int nHeads, int firstPosition, KvBuffer kv,
                       AttentionMask modelMask, float scale, float[] out, int outOffset, int outStride) {
        switch (spec) {
            case AttentionSpec.Exact e -> {
                if (nTokens >= FLASH_MIN_TOKENS && kv.type() == KvBuffer.Type.F32) {
                    kernels.flashAttention(q, qOffset, qStride, nTokens, nHeads, firstPosition, kv, modelMask, scale,
                            out, outOffset, outStride);
                } else {
                    kernels.attention(q, qOffset, qStride, nTokens, nHeads, firstPosition, kv, modelMask, scale,
                            out, outOffset, outStride);
                }
            }
            case AttentionSpec.Flash f -> kernels.flashAttention(q, qOffset, qStride, nTokens, nHeads, firstPosition, kv,
                    modelMask, scale, out, outOffset, outStride);
            case AttentionSpec.Window w -> {
                if (!modelMask.causal()) {
                    throw new IllegalArgumentException("attention " + spec + " needs a causal model");
                }
                int window = modelMask.window() > 0 ? Math.min(modelMask.window(), w.window()) : w.window();
                kernels.flashAttention(q, qOffset, qStride, nTokens, nHeads, firstPosition, kv,
                        AttentionMask.slidingWindow(window, w.sinks()), scale, out, outOffset, outStride);
            }
            case AttentionSpec.Block b -> kernels.flashAttention(q, qOffset, qStride, nTokens, nHeads, firstPosition, kv,
                    AttentionMask.blockSparse(modelMask.causal(), b.block(), b.stride()), scale, out, outOffset, outStride);
            case AttentionSpec.Linear l -> kernels.linearAttention(q, qOffset, qStride, nTokens, nHeads, firstPosition, kv,
                    modelMask.causal(), l.features(), scale, out, outOffset, outStride);
        }
    }

    @Override
    public String toString() {
        return spec.toString();
    }
}
