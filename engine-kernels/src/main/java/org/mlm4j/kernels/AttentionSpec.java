package org.mlm4j.kernels;

/**
 * Which attention algorithm a model runs, as the user spells it ({@code --attention} of the CLI,
 * the Java API's options): {@link #parse} reads and {@link #toString} writes
 * <pre>
 *   exact                 softmax attention over every visible position (the model's own mask)
 *   flash                 the same, always by the tiled online-softmax kernel (also over an F16
 *                         cache, where exact keeps llama.cpp's two-pass numerics)
 *   window:W[,sinks:S]    StreamingLLM: the last W positions plus the first S (sinks), KV ring of S + W
 *   block:B[,stride:T]    block-sparse: own and previous block (both neighbours without causal) plus
 *                         global blocks, every T-th (default: block 0 only)
 *   linear:elu            linear attention, φ = elu + 1
 *   linear:favor:M        linear attention, Performer FAVOR+ with M random features
 * </pre>
 * {@link Attention#of} turns a spec into the kernels and cache a model calls.
 */
public sealed interface AttentionSpec {

    /** The model's own attention, computed exactly. */
    AttentionSpec EXACT = new Exact();

    /** Exact softmax attention under the model's mask. */
    record Exact() implements AttentionSpec {
        @Override
        public String toString() {
            return "exact";
        }
    }

    /** Exact attention by the tiled kernel, whatever the cache type. */
    AttentionSpec FLASH = new Flash();

    /** Exact softmax attention under the model's mask, always by the tiled (flash) kernel. */
    record Flash() implements AttentionSpec {
        @Override
        public String toString() {
            return "flash";
        }
    }

    /** Sliding window of {@code window} positions with {@code sinks} attention sinks. */
    record Window(int window, int sinks) implements AttentionSpec {
        public Window {
            if (window <= 0 || sinks < 0) {
                throw new IllegalArgumentException("attention window:" + window + ",sinks:" + sinks
                        + ": the window must be positive and the sinks not negative");
            }
        }

        @Override
        public String toString() {
            return "window:" + window + (sinks > 0 ? ",sinks:" + sinks : "");
        }
    }

    /** Block-sparse attention over blocks of {@code block}, global every {@code stride}-th block (0: block 0). */
    record Block(int block, int stride) implements AttentionSpec {
        public Block {
            if (block <= 0 || stride < 0) {
                throw new IllegalArgumentException("attention block:" + block + ",stride:" + stride
                        + ": the block must be positive and the stride not negative");
            }
        }

        @Override
        public String toString() {
            return "block:" + block + (stride > 0 ? ",stride:" + stride : "");
        }
    }

    /** Linear attention with a kernel feature map. */
    record Linear(FeatureMap features) implements AttentionSpec {
        @Override
        public String toString() {
            return features instanceof FeatureMap.Favor f ? "linear:favor:" + f.count() : "linear:elu";
        }
    }

    /** Reads the forms listed above; throws IllegalArgumentException naming the accepted forms. */
    static AttentionSpec parse(String text) {
        String s = text.strip();
        try {
            if (s.equals("exact")) {
                return EXACT;
            }
            if (s.equals("flash")) {
                return FLASH;
            }
            if (s.equals("linear:elu")) {
                return new Linear(FeatureMap.ELU_PLUS_ONE);
            }
            if (s.startsWith("linear:favor:")) {
                return new Linear(FeatureMap.favor(Integer.parseInt(s.substring("linear:favor:".length()))));
            }
            if (s.startsWith("window:")) {
                int[] v = numbers(s.substring("window:".length()), "sinks:");
                return new Window(v[0], v[1]);
            }
            if (s.startsWith("block:")) {
                int[] v = numbers(s.substring("block:".length()), "stride:");
                return new Block(v[0], v[1]);
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("unknown attention '" + text
                + "': expected exact, flash, window:W[,sinks:S], block:B[,stride:T], linear:elu or linear:favor:M");
    }

    /** "N" or "N,key:M" → {N, M (0 when absent)}. */
    private static int[] numbers(String s, String key) {
        int comma = s.indexOf(',');
        if (comma < 0) {
            return new int[] {Integer.parseInt(s), 0};
        }
        String rest = s.substring(comma + 1);
        if (!rest.startsWith(key)) {
            throw new NumberFormatException(rest);
        }
        return new int[] {Integer.parseInt(s.substring(0, comma)), Integer.parseInt(rest.substring(key.length()))};
    }
}
