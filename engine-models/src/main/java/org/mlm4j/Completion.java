package org.mlm4j;

import org.mlm4j.models.llm.Generator;

/**
 * What one {@link Conversation#generate} call produced.
 *
 * @param text   the generated text (without the prompt)
 * @param tokens the generated token ids (without the stop token)
 * @param stats  token counts, timings and why generation stopped
 */
public record Completion(String text, int[] tokens, Generator.Stats stats) {
    public Completion {
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }
}
