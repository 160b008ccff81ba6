package org.mlm4j;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.mlm4j.models.chat.ChatMessage;
import org.mlm4j.models.chat.ChatTemplate;
import org.mlm4j.models.llm.Generator;
import org.mlm4j.models.llm.Input;
import org.mlm4j.models.llm.Session;
import org.mlm4j.models.sampling.Sampler;
import org.mlm4j.models.sampling.SamplingParams;
import org.mlm4j.models.tokenizer.TokenDecoder;
import org.mlm4j.models.tokenizer.Tokenizer;

/**
 * One conversation with a {@link LanguageModel}: the session state (KV cache or recurrent state)
 * and, for {@link #chat}, the messages so far. Each call continues from where the last one
 * stopped. Not thread-safe: one conversation per thread.
 */
public final class Conversation implements AutoCloseable {
    private final LanguageModel lm;
    private final Session session;
    private final ChatTemplate template;
    private final List<ChatMessage> history = new ArrayList<>();
    private final List<Integer> evaluated = new ArrayList<>();

    Conversation(LanguageModel lm, Session session, ChatTemplate template) {
        this.lm = lm;
        this.session = session;
        this.template = template;
    }

    /**
     * Appends {@code text} as is (BOS first when the conversation is empty and the model wants
     * one; special-token texts such as {@code <|end|>} become their tokens), then generates up to
     * {@code maxTokens} tokens, streaming their text to {@code onText}. Stops early at an
     * end-of-sequence or end-of-turn token, or when the context is full.
     *
     * @throws org.mlm4j.models.llm.ContextFullException when the prompt does not fit in the context
     */
    public Completion generate(String text, SamplingParams sampling, int maxTokens, Consumer<String> onText) {
        Tokenizer tokenizer = lm.tokenizer();
        boolean first = session.position() == 0;
        int[] prompt = tokenizer.encode(text, first, true);
        if (prompt.length == 0) {
            throw new IllegalArgumentException("empty prompt, and the model adds no BOS token to start from");
        }
        Sampler sampler = new Sampler(sampling);
        evaluated.forEach(sampler::accept);
        sampler.accept(prompt);
        // SentencePiece puts a space before the first word; llama2.c drops it when nothing precedes it.
        boolean nothingPrinted = first && tokenizer.decode(prompt).isEmpty();
        TokenDecoder decoder = new TokenDecoder(tokenizer, false, nothingPrinted);
        StringBuilder out = new StringBuilder();
        List<Integer> generated = new ArrayList<>();
        Consumer<String> emit = s -> {
            if (!s.isEmpty()) {
                out.append(s);
                onText.accept(s);
            }
        };
        Generator.Stats stats = Generator.generate(session, prompt, sampler::sample, tokenizer::isEndOfGeneration,
                maxTokens, token -> {
                    generated.add(token);
                    emit.accept(decoder.accept(token));
                });
        emit.accept(decoder.flush());
        for (int t : prompt) {
            evaluated.add(t);
        }
        evaluated.addAll(generated);
        return new Completion(out.toString(), generated.stream().mapToInt(Integer::intValue).toArray(), stats);
    }

    /**
     * Sends a user message in the conversation's chat format (by default the model's,
     * {@link LanguageModel#chatTemplate()}) and
     * generates the assistant's answer, streaming it to {@code onText}.
     */
    public Completion chat(String userMessage, SamplingParams sampling, int maxTokens, Consumer<String> onText) {
        ChatMessage message = ChatMessage.user(userMessage);
        String text = template.formatIncrement(history, message, true);
        Completion answer = generate(text, sampling, maxTokens, onText);
        history.add(message);
        history.add(ChatMessage.assistant(answer.text()));
        return answer;
    }

    /** Adds a system message to the chat history, before the first {@link #chat} call. */
    public void system(String instructions) {
        if (!history.isEmpty()) {
            throw new IllegalStateException("the system message comes first");
        }
        history.add(ChatMessage.system(instructions));
    }

    /** Evaluates {@code tokens} at the next positions and returns the logits after each: {@code [n][n_vocab]}. */
    public float[][] logits(int... tokens) {
        float[] flat = session.forward(Input.tokens(tokens), Session.Logits.ALL);
        for (int t : tokens) {
            evaluated.add(t);
        }
        int vocab = lm.model().vocabSize();
        float[][] rows = new float[tokens.length][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = java.util.Arrays.copyOfRange(flat, i * vocab, (i + 1) * vocab);
        }
        return rows;
    }

    /** The next position: how many tokens this conversation holds. */
    public int position() {
        return session.position();
    }

    /** The number of positions it can hold. */
    public int contextLength() {
        return session.contextLength();
    }

    @Override
    public void close() {
        session.close();
    }
}
