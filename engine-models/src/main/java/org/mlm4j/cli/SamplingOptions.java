package org.mlm4j.cli;

import org.mlm4j.models.sampling.SamplingParams;

/** The sampling options of {@code generate} and {@code chat}, with llama.cpp's names and defaults. */
final class SamplingOptions {
    static final String HELP = """
            sampling (llama.cpp's defaults):
              --temp T              temperature; 0 = greedy (default 0.8)
              --top-k K             keep the K most likely tokens; 0 = all (default 40)
              --top-p P             nucleus: keep tokens up to probability mass P (default 0.95)
              --min-p P             keep tokens at least P times as likely as the best (default 0.05)
              --repeat-penalty R    penalise the last --repeat-last-n tokens; 1 = off (default 1)
              --repeat-last-n N     (default 64)
              --seed S              random seed: the same seed gives the same text (default: random)
            """;

    private SamplingOptions() {
    }

    /** {@code -n N}: at most N tokens; -1 (as llama.cpp) means no limit but the context. */
    static int maxTokens(Options options, int defaultValue) {
        int n = options.integer("n", defaultValue);
        if (n < -1) {
            throw new UsageException("-n takes a count >= 0, or -1 for no limit");
        }
        return n == -1 ? Integer.MAX_VALUE : n;
    }

    static SamplingParams read(Options options) {
        String seedText = options.string("seed", null);
        long seed;
        try {
            seed = seedText == null ? System.nanoTime() : Long.parseLong(seedText);
        } catch (NumberFormatException e) {
            throw new UsageException("--seed takes a whole number, got '" + seedText + "'");
        }
        SamplingParams d = SamplingParams.defaults(seed);
        try {
            return new SamplingParams(options.real("temp", d.temperature()), options.integer("top-k", d.topK()),
                    options.real("top-p", d.topP()), options.real("min-p", d.minP()),
                    options.real("repeat-penalty", d.repeatPenalty()), options.integer("repeat-last-n", d.repeatLastN()),
                    seed);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
