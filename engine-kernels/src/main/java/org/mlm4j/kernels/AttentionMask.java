package org.mlm4j.kernels;

/**
 * Which stored positions a query may attend to. A query at absolute position p sees, with
 * {@code causal}, the positions {@code max(0, p − window + 1) … p} ({@code window = 0}: no window,
 * i.e. {@code 0 … p}); without {@code causal}, every position the buffer holds.
 *
 * @param causal whether future positions are masked (−∞ before the softmax, as llama.cpp's mask)
 * @param window sliding-window size n_swa (phi-3 {@code attention.sliding_window}: a position
 *               attends only to the last n_swa positions, itself included), or 0 for none
 */
public record AttentionMask(boolean causal, int window) {
    /** Decoder self-attention: every position up to the query's own. */
    public static final AttentionMask CAUSAL = new AttentionMask(true, 0);
    /** Encoder (ViT) attention: every token sees every token. */
    public static final AttentionMask NONE = new AttentionMask(false, 0);

    public AttentionMask {
        if (window < 0 || (window > 0 && !causal)) {
            throw new IllegalArgumentException("attention mask: window " + window + (causal ? "" : " without causal"));
        }
    }

    /** Causal attention over the last {@code window} positions (0: unlimited). */
    public static AttentionMask slidingWindow(int window) {
        return new AttentionMask(true, window);
    }

    /** First position a query at {@code position} sees. */
    public int first(int position) {
        return causal && window > 0 ? Math.max(0, position - window + 1) : 0;
    }

    /** One past the last position a query at {@code position} sees in a buffer holding {@code length}. */
    public int end(int position, int length) {
        return causal ? Math.min(position + 1, length) : length;
    }
}
