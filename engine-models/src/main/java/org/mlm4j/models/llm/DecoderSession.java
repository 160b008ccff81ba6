package org.mlm4j.models.llm;

import java.util.List;
import org.mlm4j.kernels.Attention;
import org.mlm4j.kernels.AttentionSpec;
import org.mlm4j.kernels.KvBuffer;

import org.mlm4j.models.llm.SessionOptions.KvCacheType;

/**
 * A conversation with a {@link Decoder}: one KV cache per block and the scratch rows of a batch.
 * Inputs longer than {@code maxBatch} are evaluated in consecutive batches. The session's
 * {@link Attention} sizes the caches: with a sliding window they are rings, with linear attention
 * running sums, and positions run past the context length.
 */
final class DecoderSession implements Session {
    private final Decoder model;
    private final int contextLength;
    private final KvBuffer[] caches;
    /** FastV pruning of multimodal prompts in {@link #prefill}, or null. */
    private final FastV fastV;
    final Activations activations;
    private int position;

    DecoderSession(Decoder model, int contextLength, KvCacheType kvType, int maxBatch, AttentionSpec attention,
                   FastV fastV) {
        this.model = model;
        this.contextLength = contextLength;
        this.fastV = fastV;
        ModelConfig c = model.config();
        this.caches = new KvBuffer[c.blockCount()];
        KvBuffer.Type type = kvType == KvCacheType.F16 ? KvBuffer.Type.F16 : KvBuffer.Type.F32;
        this.activations = new Activations(c, Math.min(maxBatch, contextLength), Attention.of(attention));
        for (int i = 0; i < caches.length; i++) {
            caches[i] = activations.attention.newCache(type, contextLength, activations.maxBatch, c.headCountKv(),
                    c.headDim());
        }
        if (fastV != null && (activations.attention.streams() || c.slidingWindow() > 0)) {
            throw new IllegalArgumentException("fastv: a sliding attention window would count kept tokens, not positions,"
                    + " and linear attention keeps no rows to score; use exact attention with a model without a sliding window");
        }
    }

    KvBuffer kvCache(int layer) {
        return caches[layer];
    }

    @Override
    public int position() {
        return position;
    }

    /**
     * The context length, or no limit when the attention streams (a sliding window over a ring
     * cache, linear attention's running sums).
     */
    @Override
    public int contextLength() {
        return activations.attention.streams() ? Integer.MAX_VALUE : contextLength;
    }

    @Override
    public float[] forward(Input input, Logits wanted) {
        int n = input.count();
        checkFits(n);
        checkInput(input);
        int vocab = model.vocabSize();
        float[] logits = new float[switch (wanted) {
            case NONE -> 0;
            case LAST -> n == 0 ? 0 : vocab;
            case ALL -> n * vocab;
        }];
        int e = model.embeddingLength();
        Activations a = activations;
        for (int start = 0; start < n; start += a.maxBatch) {
            int m = Math.min(a.maxBatch, n - start);
            for (int t = 0; t < m; t++) {
                switch (input) {
                    case Input.Tokens tokens -> model.embed(tokens.id(start + t), a.x, t * e);
                    case Input.Embeddings rows -> System.arraycopy(rows.rows(), (start + t) * e, a.x, t * e, e);
                }
            }
            boolean lastBatch = start + m == n;
            int firstLogitsRow = switch (wanted) {
                case NONE -> m;
                case LAST -> lastBatch ? m - 1 : m;
                case ALL -> 0;
            };
            for (int t = 0; t < m; t++) {
                a.positions[t] = position + t;
            }
            model.runBlocks(this, 0, model.blockCount(), m);
            model.outputLogits(a, firstLogitsRow, m, logits, wanted == Logits.ALL ? start * vocab : 0);
            position += m;
        }
        return logits;
    }

    /**
     * With FastV (the session options' {@code fastV}) and image rows in the prompt, a pruned
     * prefill ({@link FastVPruning}); otherwise one {@link #forward} per input.
     */
    @Override
    public float[] prefill(List<Input> prompt) {
        if (fastV == null || prompt.stream().noneMatch(i -> i instanceof Input.Embeddings rows && rows.count() > 0)) {
            return Session.super.prefill(prompt);
        }
        return FastVPruning.prefill(this, model, prompt, fastV).logits();
    }

    void checkFits(int n) {
        if (n > contextLength() - position) {
            throw new ContextFullException(n + " tokens at position " + position + " do not fit in the context of "
                    + contextLength + " (use a shorter prompt or a larger --ctx, up to the model's "
                    + model.contextLength() + ")");
        }
    }

    void checkInput(Input input) {
        switch (input) {
            case Input.Tokens tokens -> {
                for (int i = 0; i < tokens.count(); i++) {
                    model.checkToken(tokens.id(i));
                }
            }
            case Input.Embeddings rows -> {
                if (rows.count() > 0 && rows.width() != model.embeddingLength()) {
                    throw new IllegalArgumentException("input embeddings have width " + rows.width()
                            + ", the model needs " + model.embeddingLength());
                }
            }
        }
    }

    /** Moves the position past {@code n} inputs evaluated outside {@link #forward} (FastV's prefill). */
    void advance(int n) {
        position += n;
    }

    @Override
    public void reset() {
        position = 0;
        for (KvBuffer kv : caches) {
            kv.truncate(0);
        }
    }

    @Override
    public long stateBytes() {
        long bytes = 0;
        for (KvBuffer kv : caches) {
            bytes += kv.storageBytes();
        }
        return bytes;
    }

    @Override
    public void close() {
    }
}
