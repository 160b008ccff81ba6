package org.mlm4j.cli;

import java.io.PrintStream;
import org.mlm4j.Completion;
import org.mlm4j.Conversation;
import org.mlm4j.LanguageModel;
import org.mlm4j.models.llm.Generator;

/** {@code generate}: continues a prompt, streaming the text, then prints the timings. */
final class GenerateCommand implements Command {

    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "continue a text prompt with a language model (--demo: the bundled stories260K)";
    }

    @Override
    public String help() {
        return """
                usage: mlm4j generate (--model M.gguf | --demo) --prompt TEXT [-n N] [sampling] [model options]

                Prints the prompt, then its continuation as it is generated; at the end, the load time
                and the prompt and decode speeds go to stderr. Generation stops at an end-of-sequence or
                end-of-turn token, after -n tokens, or when the context is full.

                  --prompt TEXT   the text to continue (special-token texts become their tokens; BOS is
                                  added when the model asks for it)
                  -n N            tokens to generate at most (default 128)
                  --demo          use the bundled stories260K model (tiny stories) instead of --model

                """ + SamplingOptions.HELP + "\n" + ModelOptions.HELP;
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        ModelOptions model = ModelOptions.readModelOrDemo(options);
        String prompt = options.requiredString("prompt");
        int maxTokens = options.integer("n", 128);
        var sampling = SamplingOptions.read(options);
        options.finish();
        try (LanguageModel lm = model.load(); Conversation conversation = lm.newConversation()) {
            out.print(prompt);
            out.flush();
            Completion done = conversation.generate(prompt, sampling, maxTokens, text -> {
                out.print(text);
                out.flush();
            });
            printStats(err, lm.loadNanos(), done.stats());
        }
        return 0;
    }

    /** llama.cpp-style timings on one line. */
    static void printStats(PrintStream err, long loadNanos, Generator.Stats s) {
        err.printf("%nload %.0f ms | prompt %d tokens, %.1f tokens/s | decode %d tokens, %.1f tokens/s | stop: %s%n",
                loadNanos / 1e6, s.promptTokens(), s.promptTokensPerSecond(), s.decodeTokens(),
                s.decodeTokensPerSecond(), s.stop().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
    }
}
