package org.mlm4j.models.llm;

import java.util.Objects;
import org.mlm4j.kernels.AttentionSpec;

/**
 * How a {@link Session} is sized.
 *
 * @param contextLength positions to hold; 0 means the model's trained context length
 * @param kvCacheType   element type of a transformer's K and V cache (recurrent models ignore it)
 * @param maxBatch      inputs evaluated together at most; longer inputs are split into batches
 *                      of this size (llama.cpp's n_ubatch)
 * @param attention     a transformer's attention algorithm (exact, or an approximation such as
 *                      {@code window:W,sinks:S}, whose sessions run past the context length in
 *                      fixed memory; see {@link AttentionSpec}); recurrent models ignore it
 * @param fastV         FastV pruning of the image tokens of prompts evaluated by
 *                      {@link Session#prefill}, or null for none; recurrent models ignore it
 */
public record SessionOptions(int contextLength, KvCacheType kvCacheType, int maxBatch, AttentionSpec attention,
                             FastV fastV) {

    /** llama.cpp's defaults: the model's context, an F16 cache, batches of 512; exact attention. */
    public static final SessionOptions DEFAULT = new SessionOptions(0, KvCacheType.F16, 512);

    public SessionOptions {
        if (contextLength < 0 || maxBatch <= 0) {
            throw new IllegalArgumentException("contextLength must be >= 0 and maxBatch > 0");
        }
        Objects.requireNonNull(attention);
    }

    public SessionOptions(int contextLength, KvCacheType kvCacheType, int maxBatch) {
        this(contextLength, kvCacheType, maxBatch, AttentionSpec.EXACT);
    }

    public SessionOptions(int contextLength, KvCacheType kvCacheType, int maxBatch, AttentionSpec attention) {
        this(contextLength, kvCacheType, maxBatch, attention, null);
    }

    public SessionOptions withContextLength(int n) {
        return new SessionOptions(n, kvCacheType, maxBatch, attention, fastV);
    }

    public SessionOptions withMaxBatch(int n) {
        return new SessionOptions(contextLength, kvCacheType, n, attention, fastV);
    }

    public SessionOptions withKvCacheType(KvCacheType t) {
        return new SessionOptions(contextLength, t, maxBatch, attention, fastV);
    }

    public SessionOptions withAttention(AttentionSpec spec) {
        return new SessionOptions(contextLength, kvCacheType, maxBatch, spec, fastV);
    }

    /** With FastV pruning of image tokens ({@code null}: none). */
    public SessionOptions withFastV(FastV f) {
        return new SessionOptions(contextLength, kvCacheType, maxBatch, attention, f);
    }

    /** The context a session of {@code model} gets: this one, capped at the model's. */
    public int contextFor(CausalLM model) {
        return contextLength == 0 ? model.contextLength() : Math.min(contextLength, model.contextLength());
    }

    /** The element type of the K/V cache. */
    public enum KvCacheType {
        F16, F32
    }
}
