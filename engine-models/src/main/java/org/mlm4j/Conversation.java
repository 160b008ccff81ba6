package org.mlm4j;

import java.util.ArrayList;
import java.util.Arrays;
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
import org.mlm4j.models.vision.MultimodalPrompt;

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
    /** The logits after the last evaluated token, for a {@link #generate} that only continues. */
    private final float[] lastLogits;

    Conversation(LanguageModel lm, Session session, ChatTemplate template) {
        this.lm = lm;
        this.session = session;
        this.template = template;
        this.lastLogits = new float[lm.model().vocabSize()];
    }

    /**
     * Appends {@code text} as is (BOS first when the conversation is empty and the model wants
     * one; special-token texts such as {@code <|end|>} become their tokens; an empty text just
     * continues), then generates up to
     * {@code maxTokens} tokens, streaming their text to {@code onText}. Stops early at an
     * end-of-sequence or end-of-turn token, or when the context is full.
     *
     * @throws org.mlm4j.models.llm.ContextFullException when the prompt does not fit in the context
     */
    public Completion generate(String text, SamplingParams sampling, int maxTokens, Consumer<String> onText) {
        return generate(text, List.of(), sampling, maxTokens, onText);
    }

    /**
     * As {@link #generate(String, SamplingParams, int, Consumer)}, with images: each {@code <image>}
     * placeholder in {@code text} stands for the next of {@code images}, embeddings
     * {@code [tokens][n_embd]} as {@link VisionEncoder#encode} returns them, evaluated at the
     * placeholder's positions. As llama.cpp's llava flow, only the text before the first image
     * can take BOS (when the conversation is empty).
     *
     * @throws IllegalArgumentException when placeholders and images do not pair up, or an image's
     *                                  width is not the model's n_embd
     */
    public Completion generate(String text, List<float[][]> images, SamplingParams sampling, int maxTokens,
                               Consumer<String> onText) {
        Tokenizer tokenizer = lm.tokenizer();
        boolean first = session.position() == 0;
        List<Input> prompt = images.isEmpty() ? List.of(Input.tokens(tokenizer.encode(text, first, true)))
                : MultimodalPrompt.build(tokenizer, text, images, lm.model().embeddingLength(), first);
        int[] promptTokens = prompt.stream().filter(i -> i instanceof Input.Tokens)
                .flatMapToInt(i -> Arrays.stream(((Input.Tokens) i).ids())).toArray();
        if (prompt.stream().mapToInt(Input::count).sum() == 0 && first) {
            throw new IllegalArgumentException("empty prompt, and the model adds no BOS token to start from");
        }
        Sampler sampler = new Sampler(sampling);
        evaluated.forEach(sampler::accept);
        sampler.accept(promptTokens);
        // SentencePiece puts a space before the first word; llama2.c drops it when nothing precedes it.
        boolean nothingPrinted = first && tokenizer.decode(promptTokens).isEmpty();
        TokenDecoder decoder = new TokenDecoder(tokenizer, false, nothingPrinted);
        StringBuilder out = new StringBuilder();
        List<Integer> generated = new ArrayList<>();
        Consumer<String> emit = s -> {
            if (!s.isEmpty()) {
                out.append(s);
                onText.accept(s);
            }
        };
        Generator.Stats stats = Generator.generate(session, prompt, lastLogits, sampler::sample,
                tokenizer::isEndOfGeneration,
                maxTokens, token -> {
                    generated.add(token);
                    emit.accept(decoder.accept(token));
                });
        emit.accept(decoder.flush());
        for (int t : promptTokens) {
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
        return chat(userMessage, List.of(), sampling, maxTokens, onText);
    }

    /**
     * A user message with images ({@link VisionEncoder#encode} output): its {@code <image>}
     * placeholders mark where they go; a message without any gets one per image at its start,
     * each followed by a newline (LLaVA's and MobileVLM's {@code <image>\n} convention).
     */
    public Completion chat(String userMessage, List<float[][]> images, SamplingParams sampling, int maxTokens,
                           Consumer<String> onText) {
        String content = images.isEmpty() || MultimodalPrompt.placeholders(userMessage) > 0 ? userMessage
                : (MultimodalPrompt.IMAGE_PLACEHOLDER + "\n").repeat(images.size()) + userMessage;
        ChatMessage message = ChatMessage.user(content);
        String text = template.formatIncrement(history, message, true);
        Completion answer = generate(text, images, sampling, maxTokens, onText);
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
        if (tokens.length > 0) {
            System.arraycopy(flat, flat.length - vocab, lastLogits, 0, vocab);
        }
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
