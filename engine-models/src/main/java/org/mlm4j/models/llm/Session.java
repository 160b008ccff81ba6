package org.mlm4j.models.llm;

import java.util.List;

/**
 * The state of one conversation with a {@link CausalLM}: for a transformer its KV cache, for a
 * recurrent model its state. Inputs are evaluated at consecutive positions starting at
 * {@link #position()}. Not thread-safe.
 */
public interface Session extends AutoCloseable {

    /** The next position, i.e. how many inputs have been evaluated so far. */
    int position();

    /** How many positions this session can hold (n_ctx). */
    int contextLength();

    /**
     * Evaluates {@code input} at positions {@code position() .. position() + input.count() - 1}
     * and advances the position.
     *
     * @return {@code [rows][n_vocab]} logits row-major: no rows for {@link Logits#NONE}, the
     *         last input's row for {@link Logits#LAST}, one row per input for {@link Logits#ALL}
     * @throws ContextFullException when the input does not fit in the remaining context
     */
    float[] forward(Input input, Logits wanted);

    /**
     * Evaluates a prompt of several inputs (text runs and image rows, e.g. from
     * {@code MultimodalPrompt}) one after the other and returns the last input's logits row (empty
     * inputs are skipped; no logits for an empty prompt). A
     * transformer session with FastV ({@link SessionOptions#fastV()}) prunes the image rows
     * instead (see {@link FastVPruning}); the position still advances by every input.
     */
    default float[] prefill(List<Input> prompt) {
        List<Input> inputs = prompt.stream().filter(i -> i.count() > 0).toList();
        float[] logits = new float[0];
        for (int i = 0; i < inputs.size(); i++) {
            logits = forward(inputs.get(i), i == inputs.size() - 1 ? Logits.LAST : Logits.NONE);
        }
        return logits;
    }

    /** Forgets every evaluated input: back to position 0. */
    void reset();

    /**
     * Bytes this session holds for its context: a transformer's KV cache (allocated for the whole
     * context, as llama.cpp does), a recurrent model's fixed-size state.
     */
    long stateBytes();

    @Override
    void close();

    /** Which logits rows {@link #forward} computes; the LM head runs only for these. */
    enum Logits {
        NONE, LAST, ALL
    }
}
