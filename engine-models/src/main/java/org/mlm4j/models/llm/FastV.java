package org.mlm4j.models.llm;

import java.util.Locale;

/**
 * FastV's setting (Chen et al. 2024, "An Image is Worth 1/2 Tokens After Layer 2"): after the
 * first {@code layer} blocks, drop the fraction {@code dropRatio} of the prompt's image tokens
 * that the last prompt token attends to least. The paper's K = 2, R = 0.5 is {@code new FastV(2, 0.5)}
 * ({@code --fastv 2:0.5}). See {@link FastVPruning}.
 *
 * @param layer     K: blocks that see every image token (counted from 1; the attention of block K
 *                  decides, blocks K+1 .. see only the kept tokens); at least 1
 * @param dropRatio R: the fraction of image tokens dropped, in [0, 1)
 */
public record FastV(int layer, double dropRatio) {

    public FastV {
        if (layer < 1) {
            throw new IllegalArgumentException("fastv: K is the number of full layers, at least 1, got " + layer);
        }
        if (!(dropRatio >= 0 && dropRatio < 1)) {
            throw new IllegalArgumentException("fastv: R is the fraction of image tokens dropped, in [0, 1), got "
                    + dropRatio);
        }
    }

    /** Parses {@code K:R}, e.g. {@code 2:0.5}. */
    public static FastV parse(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("fastv: expected K:R (e.g. 2:0.5), got '" + text + "'");
        }
        try {
            return new FastV(Integer.parseInt(parts[0].strip()), Double.parseDouble(parts[1].strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("fastv: expected K:R (e.g. 2:0.5), got '" + text + "'");
        }
    }

    /** How many of {@code candidates} image tokens are dropped: R·n rounded to nearest. */
    public int dropped(int candidates) {
        return (int) Math.round(dropRatio * candidates);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d:%s", layer, dropRatio);
    }
}
