package org.mlm4j.models.llm;

import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;

/**
 * The generation loop (llama2.c's {@code generate}): evaluate the prompt as one batch, then
 * repeatedly pick a token from the last logits, hand it out, and evaluate it, until a stop token,
 * the token limit or the end of the context. Tokenization, sampling and text streaming are the
 * caller's, so the loop serves every {@link CausalLM} and every front end.
 */
public final class Generator {

    /** Picks the next token from a row of logits (greedy, or a seeded sampler). */
    @FunctionalInterface
    public interface TokenPicker {
        int pick(float[] logits);
    }

    /**
     * What one call produced and how long it took.
     *
     * @param promptTokens    tokens evaluated as the prompt
     * @param promptNanos     time to evaluate them (prefill)
     * @param generatedTokens tokens handed to the consumer (the stop token is not)
     * @param decodeTokens    tokens evaluated one at a time after the prompt
     * @param decodeNanos     time spent picking and evaluating them
     * @param stop            why generation ended
     */
    public record Stats(int promptTokens, long promptNanos, int generatedTokens, int decodeTokens, long decodeNanos,
                        StopReason stop) {

        public double promptTokensPerSecond() {
            return promptTokens / Math.max(1e-9, promptNanos / 1e9);
        }

        public double decodeTokensPerSecond() {
            return decodeTokens / Math.max(1e-9, decodeNanos / 1e9);
        }
    }

    /** Why a generation ended. */
    public enum StopReason {
        /** The model produced an end-of-sequence or end-of-turn token. */
        STOP_TOKEN,
        /** The requested number of tokens was generated. */
        LIMIT,
        /** The session's context is full. */
        CONTEXT_FULL
    }

    private Generator() {
    }

    /**
     * Evaluates {@code prompt} in {@code session} (after whatever it already holds), then
     * generates up to {@code maxTokens} tokens, passing each to {@code onToken} as soon as it is
     * picked, before it is evaluated. Every picked token is evaluated (context permitting), so the
     * session can continue the conversation after it.
     *
     * @param isStop the end-of-sequence / end-of-turn test; a stop token is evaluated but not handed out
     */
    public static Stats generate(Session session, int[] prompt, TokenPicker picker, IntPredicate isStop,
                                 int maxTokens, IntConsumer onToken) {
        return generate(session, List.of(Input.tokens(prompt)), picker, isStop, maxTokens, onToken);
    }

    /**
     * As {@link #generate(Session, int[], TokenPicker, IntPredicate, int, IntConsumer)} with a prompt
     * of several inputs evaluated in order, e.g. text tokens and the embeddings of an image between
     * them (the llava flow); logits are computed for the last input only.
     */
    public static Stats generate(Session session, List<Input> prompt, TokenPicker picker, IntPredicate isStop,
                                 int maxTokens, IntConsumer onToken) {
        return generate(session, prompt, null, picker, isStop, maxTokens, onToken);
    }

    /**
     * As {@link #generate(Session, List, TokenPicker, IntPredicate, int, IntConsumer)}, keeping the
     * logits after the last evaluated input in {@code lastLogits} (n_vocab floats, or {@code null})
     * so that a later call can continue with an empty prompt: then {@code lastLogits} must hold
     * what an earlier call (or the caller, after its own {@link Session#forward}) left there.
     */
    public static Stats generate(Session session, List<Input> prompt, float[] lastLogits, TokenPicker picker,
                                 IntPredicate isStop, int maxTokens, IntConsumer onToken) {
        int promptLength = prompt.stream().mapToInt(Input::count).sum();
        if (promptLength == 0 && (lastLogits == null || session.position() == 0)) {
            throw new IllegalArgumentException("empty prompt: generation needs at least one token (e.g. BOS)");
        }
        long t0 = System.nanoTime();
        float[] logits = promptLength == 0 ? lastLogits.clone() : session.prefill(prompt);
        long promptNanos = System.nanoTime() - t0;
        int generated = 0;
        int decoded = 0;
        StopReason stop = StopReason.LIMIT;
        long t1 = System.nanoTime();
        while (generated < maxTokens) {
            int token = picker.pick(logits);
            boolean stopToken = isStop.test(token);
            if (!stopToken) {
                generated++;
                onToken.accept(token);
            }
            if (session.position() >= session.contextLength()) {
                stop = stopToken ? StopReason.STOP_TOKEN : StopReason.CONTEXT_FULL;
                break;
            }
            logits = session.forward(Input.tokens(token), Session.Logits.LAST);
            decoded++;
            if (stopToken) {
                stop = StopReason.STOP_TOKEN;
                break;
            }
        }
        if (lastLogits != null) {
            System.arraycopy(logits, 0, lastLogits, 0, lastLogits.length);
        }
        return new Stats(promptLength, promptNanos, generated, decoded, System.nanoTime() - t1, stop);
    }
}
