package org.mlm4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.mlm4j.LanguageModel;
import org.mlm4j.kernels.AttentionSpec;
import org.mlm4j.kernels.Parallel;
import org.mlm4j.models.llm.CausalLM;
import org.mlm4j.models.llm.FastV;
import org.mlm4j.models.llm.SessionOptions;
import org.mlm4j.models.llm.SessionOptions.KvCacheType;

/**
 * The options every language-model command shares: the model file ({@code null} for the bundled
 * demo model), threads, context and cache.
 */
record ModelOptions(Path model, int threads, SessionOptions sessionOptions) {

    static final String HELP = """
            model options:
              --model M.gguf        the GGUF model (llama, phi2, phi3, mamba)
              --threads N           compute threads (default: all cores)
              --ctx N               context length (default: the model's)
              --kv-type f16|f32     element type of the KV cache (default f16, as llama.cpp)
              --attention A         exact (default) | flash | window:W[,sinks:S] (KV ring: runs past the
                                    context in fixed memory) | block:B[,stride:T] | linear:elu |
                                    linear:favor:M   (docs/attention.md)
              --fastv K:R           FastV: after layer K, drop the fraction R of a prompt's image tokens
                                    that the last prompt token attends to least (e.g. 2:0.5)
            """;

    static ModelOptions read(Options options) {
        return read(options, options.requiredPath("model"));
    }

    /** {@code --model M.gguf}, or {@code --demo} for the bundled stories260K. */
    static ModelOptions readModelOrDemo(Options options) {
        boolean demo = options.flag("demo");
        String model = options.string("model", null);
        if (demo == (model != null)) {
            throw new UsageException(demo ? "--demo and --model exclude each other" : "--model is required (or --demo)");
        }
        return read(options, demo ? null : Path.of(model));
    }

    private static ModelOptions read(Options options, Path model) {
        int threads = options.integer("threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) {
            throw new UsageException("--threads must be at least 1");
        }
        int ctx = options.integer("ctx", 0);
        if (ctx < 0) {
            throw new UsageException("--ctx must be positive");
        }
        String kv = options.string("kv-type", "f16");
        KvCacheType kvType = switch (kv) {
            case "f16" -> KvCacheType.F16;
            case "f32" -> KvCacheType.F32;
            default -> throw new UsageException("--kv-type is f16 or f32, got '" + kv + "'");
        };
        AttentionSpec attention;
        try {
            attention = AttentionSpec.parse(options.string("attention", "exact"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--attention: " + e.getMessage());
        }
        String fastV = options.string("fastv", null);
        SessionOptions session = SessionOptions.DEFAULT.withContextLength(ctx).withKvCacheType(kvType)
                .withAttention(attention);
        try {
            session = session.withFastV(fastV == null ? null : FastV.parse(fastV));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--fastv: " + e.getMessage());
        }
        return new ModelOptions(model, threads, session);
    }

    /** Configures the thread pool and opens the bare model (no tokenizer); needs {@link #read}'s --model. */
    CausalLM open() throws IOException {
        Parallel.configure(threads);
        return CausalLM.open(model);
    }

    /** Configures the thread pool and loads the model with its tokenizer. */
    LanguageModel load() throws IOException {
        LanguageModel.Options o = new LanguageModel.Options(sessionOptions, threads);
        return model == null ? LanguageModel.demo(o) : LanguageModel.load(model, o);
    }
}
