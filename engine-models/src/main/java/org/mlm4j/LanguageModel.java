package org.mlm4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.kernels.AttentionSpec;
import org.mlm4j.kernels.Parallel;
import org.mlm4j.models.chat.ChatTemplate;
import org.mlm4j.models.llm.CausalLM;
import org.mlm4j.models.llm.FastV;
import org.mlm4j.models.llm.SessionOptions;
import org.mlm4j.models.llm.SessionOptions.KvCacheType;
import org.mlm4j.models.sampling.SamplingParams;
import org.mlm4j.models.tokenizer.Tokenizer;

/**
 * A language model loaded from a GGUF file (LLaMA-family, phi-2, phi-3, Mamba) with its tokenizer
 * and chat template: the entry point of the Java API.
 *
 * <pre>{@code
 * try (LanguageModel lm = LanguageModel.load(Path.of("model.gguf"));
 *      Conversation c = lm.newConversation()) {
 *     Completion done = c.generate("Once upon a time", SamplingParams.greedy(), 40, System.out::print);
 *     System.err.printf("%.1f tokens/s%n", done.stats().decodeTokensPerSecond());
 * }
 * }</pre>
 *
 * <p>A loaded model is immutable: loading is thread-safe and one model may serve several threads,
 * each with its own {@link Conversation} (which holds the KV cache or recurrent state).
 */
public final class LanguageModel implements AutoCloseable {
    private static final String DEMO_RESOURCE = "/models/stories260K.gguf";

    private final CausalLM model;
    private final Tokenizer tokenizer;
    private final ChatTemplate chatTemplate;
    private final Options options;
    private final long loadNanos;

    /**
     * How a model is loaded and its conversations sized.
     *
     * @param session each conversation's session: context length (0 = the model's), KV cache type
     *                (F16 by default, as llama.cpp), attention algorithm (e.g. {@code window:2048,sinks:4}
     *                to run past the context in fixed memory) and FastV pruning of image tokens
     * @param threads compute threads for every kernel (the shared pool is resized); 0 leaves it as it is
     */
    public record Options(SessionOptions session, int threads) {
        public Options {
            Objects.requireNonNull(session, "session");
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be >= 0");
            }
        }

        public static Options defaults() {
            return new Options(SessionOptions.DEFAULT, 0);
        }

        public Options withContextLength(int n) {
            return new Options(session.withContextLength(n), threads);
        }

        public Options withKvCacheType(KvCacheType t) {
            return new Options(session.withKvCacheType(t), threads);
        }

        public Options withThreads(int n) {
            return new Options(session, n);
        }

        public Options withAttention(AttentionSpec spec) {
            return new Options(session.withAttention(spec), threads);
        }

        /** With FastV pruning of the image tokens of multimodal prompts, e.g. {@code new FastV(2, 0.5)}; null for none. */
        public Options withFastV(FastV f) {
            return new Options(session.withFastV(f), threads);
        }
    }

    private LanguageModel(GgufFile gguf, Options options, long started, Consumer<String> warnings) {
        this.tokenizer = Tokenizer.fromGguf(gguf.metadata(), warnings);
        this.chatTemplate = ChatTemplate.forModel(gguf.metadata());
        this.model = CausalLM.bind(gguf);
        if (tokenizer.vocabSize() != model.vocabSize()) {
            model.close();
            throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize() + " tokens, the model "
                    + model.vocabSize());
        }
        this.options = options;
        this.loadNanos = System.nanoTime() - started;
    }

    /** Loads (memory-maps) the GGUF model at {@code path} with default options. */
    public static LanguageModel load(Path path) throws IOException {
        return load(path, Options.defaults());
    }

    /** Loads (memory-maps) the GGUF model at {@code path}. */
    public static LanguageModel load(Path path, Options options) throws IOException {
        long t0 = System.nanoTime();
        configureThreads(options);
        return bind(GgufFile.open(path), options, t0, w -> System.err.println("mlm4j: warning: " + w));
    }

    /**
     * The bundled demo model: stories260K, a 260K-parameter LLaMA trained on TinyStories (from
     * Karpathy's llama2.c, MIT license). It tells short children's stories.
     */
    public static LanguageModel demo(Options options) throws IOException {
        long t0 = System.nanoTime();
        configureThreads(options);
        try (InputStream in = LanguageModel.class.getResourceAsStream(DEMO_RESOURCE)) {
            if (in == null) {
                throw new IOException("the demo model " + DEMO_RESOURCE + " is missing from the class path");
            }
            // its only warning, an unset padding token id, is expected of llama2.c's exporter
            return bind(GgufFile.read(in, "stories260K.gguf (bundled)"), options, t0, w -> { });
        }
    }

    private static void configureThreads(Options options) {
        if (options.threads() > 0) {
            Parallel.configure(options.threads());
        }
    }

    private static LanguageModel bind(GgufFile gguf, Options options, long started, Consumer<String> warnings) {
        try {
            return new LanguageModel(gguf, options, started, warnings);
        } catch (RuntimeException e) {
            gguf.close();
            throw e;
        }
    }

    /** A new conversation (its own KV cache or recurrent state) at position 0. */
    public Conversation newConversation() {
        return newConversation(chatTemplate);
    }

    /** A new conversation whose {@link Conversation#chat} uses {@code template}. */
    public Conversation newConversation(ChatTemplate template) {
        return new Conversation(this, model.newSession(options.session()), template);
    }

    /**
     * Generates a continuation of {@code prompt} in a fresh conversation, streaming the text to
     * {@code onText} as it is produced.
     */
    public Completion generate(String prompt, SamplingParams sampling, int maxTokens, Consumer<String> onText) {
        try (Conversation c = newConversation()) {
            return c.generate(prompt, sampling, maxTokens, onText);
        }
    }

    /** The logits after each of {@code tokens}, evaluated as one prompt from position 0: {@code [n][n_vocab]}. */
    public float[][] logits(int... tokens) {
        try (Conversation c = newConversation()) {
            return c.logits(tokens);
        }
    }

    public CausalLM model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The chat format of the model ({@code tokenizer.chat_template}, else by architecture, else raw). */
    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /** How long {@link #load} took, in nanoseconds. */
    public long loadNanos() {
        return loadNanos;
    }

    @Override
    public void close() {
        model.close();
    }
}
