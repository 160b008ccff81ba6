package org.mlm4j.kernels;

/**
 * Which stored positions a query may attend to. A query at absolute position p sees, with
 * {@code causal}, the positions {@code max(0, p − window + 1) … p} ({@code window = 0}: no window,
 * i.e. {@code 0 … p}); without {@code causal}, every position the buffer holds.
 *
 * <p>Two sparse patterns narrow that further ({@link AttentionSpec} names them):
 * <ul>
 * <li>attention sinks (StreamingLLM, Xiao et al. 2023): with a window, positions {@code 0 … sinks − 1}
 *     stay visible to every later query as well;</li>
 * <li>block-sparse (Child et al. 2019, "fixed" pattern): positions fall in blocks of {@code block};
 *     a query in block i sees key block j when j is local ({@code j = i − 1} or {@code i}, and
 *     {@code i + 1} without {@code causal}) or global ({@code j % stride == 0}; with {@code stride = 0}
 *     only block 0), and, with {@code causal}, only keys up to its own position.</li>
 * </ul>
 * {@link #visible} is the definition; {@link #first}/{@link #end} bound the scan and
 * {@link #nextVisible} lets a tiled kernel skip whole tiles.
 *
 * @param causal whether future positions are masked (−∞ before the softmax, as llama.cpp's mask)
 * @param window sliding-window size n_swa (phi-3 {@code attention.sliding_window}: a position
 *               attends only to the last n_swa positions, itself included), or 0 for none
 * @param sinks  leading positions every query sees besides its window (needs a window), or 0
 * @param block  block size of the block-sparse pattern, or 0 for dense
 * @param stride every stride-th block is global (block-sparse only); 0: block 0 only
 */
public record AttentionMask(boolean causal, int window, int sinks, int block, int stride) {
    /** Decoder self-attention: every position up to the query's own. */
    public static final AttentionMask CAUSAL = new AttentionMask(true, 0);
    /** Encoder (ViT) attention: every token sees every token. */
    public static final AttentionMask NONE = new AttentionMask(false, 0);

    public AttentionMask {
        if (window < 0 || (window > 0 && !causal) || sinks < 0 || (sinks > 0 && window == 0)
                || block < 0 || stride < 0 || (stride > 0 && block == 0) || (block > 0 && window > 0)) {
            throw new IllegalArgumentException("attention mask: window " + window + ", sinks " + sinks + ", block " + block
                    + ", stride " + stride + (causal ? "" : " without causal"));
        }
    }

    public AttentionMask(boolean causal, int window) {
        this(causal, window, 0, 0, 0);
    }

    /** Causal attention over the last {@code window} positions (0: unlimited). */
    public static AttentionMask slidingWindow(int window) {
        return new AttentionMask(true, window);
    }

    /** Causal attention over the first {@code sinks} and the last {@code window} positions. */
    public static AttentionMask slidingWindow(int window, int sinks) {
        return new AttentionMask(true, window, sinks, 0, 0);
    }

    /** The block-sparse pattern over blocks of {@code block} positions, global every {@code stride}-th block. */
    public static AttentionMask blockSparse(boolean causal, int block, int stride) {
        if (block <= 0) {
            throw new IllegalArgumentException("attention mask: block size " + block);
        }
        return new AttentionMask(causal, 0, 0, block, stride);
    }

    /** Whether every query sees one contiguous run of positions, {@link #first} to {@link #end}. */
    public boolean contiguous() {
        return sinks == 0 && block == 0;
    }

    /** First position a query at {@code position} may see (later ones are filtered by {@link #visible}). */
    public int first(int position) {
        return causal && window > 0 && sinks == 0 ? Math.max(0, position - window + 1) : 0;
    }

    /** One past the last position a query at {@code position} sees in a buffer holding {@code length}. */
    public int end(int position, int length) {
        return causal ? Math.min(position + 1, length) : length;
    }

    /** Whether a query at {@code query} attends to the key at {@code key} (the definition). */
    public boolean visible(int query, int key) {
        if (causal && key > query) {
            return false;
        }
        if (window > 0) {
            return key < sinks || query - key < window;
        }
        if (block > 0) {
            int i = query / block;
            int j = key / block;
            return j == i || j == i - 1 || (!causal && j == i + 1) || global(j);
        }
        return true;
    }

    /** The smallest key position ≥ {@code key} that {@code query} sees, or {@link Integer#MAX_VALUE} for none. */
    public int nextVisible(int query, int key) {
        int k = key;
        if (window > 0 && k >= sinks) {
            k = Math.max(k, query - window + 1);
        } else if (block > 0) {
            int i = query / block;
            int j = key / block;
            int localLast = causal ? i : i + 1;
            int nextLocal = j <= localLast ? Math.max(j, i - 1) : Integer.MAX_VALUE;
            int nextGlobal = stride > 0 ? (j + stride - 1) / stride * stride : (j == 0 ? 0 : Integer.MAX_VALUE);
            int next = Math.min(nextLocal, nextGlobal);
            if (next == Integer.MAX_VALUE) {
                return next;
            }
            k = Math.max(k, next * block);
        }
        return causal && k > query ? Integer.MAX_VALUE : k;
    }

    private boolean global(int blockIndex) {
        return stride > 0 ? blockIndex % stride == 0 : blockIndex == 0;
    }
}
