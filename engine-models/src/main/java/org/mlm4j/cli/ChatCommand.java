package org.mlm4j.cli;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.mlm4j.Completion;
import org.mlm4j.Conversation;
import org.mlm4j.LanguageModel;
import org.mlm4j.models.chat.ChatTemplate;
import org.mlm4j.models.sampling.SamplingParams;

/** {@code chat}: an interactive conversation in the model's chat format, one user message per line of stdin. */
final class ChatCommand implements Command {
    private final InputStream in;

    ChatCommand() {
        this(System.in);
    }

    ChatCommand(InputStream in) {
        this.in = in;
    }

    @Override
    public String name() {
        return "chat";
    }

    @Override
    public String summary() {
        return "chat with a model in its chat format (one message per line of stdin)";
    }

    @Override
    public String help() {
        return """
                usage: mlm4j chat (--model M.gguf | --demo) [--system TEXT] [--template NAME] [-n N] [sampling] [model options]

                Reads user messages from stdin, one per line (interactive or piped), and streams each
                answer to stdout. The conversation keeps its context until EOF or the line /exit.

                  --system TEXT    a system message before the first turn
                  --template NAME  the chat format: %s
                                   (default: the model's tokenizer.chat_template, else by architecture)
                  -n N             tokens per answer at most (default 256)

                """.formatted(String.join(", ", java.util.Arrays.stream(ChatTemplate.values()).map(ChatTemplate::id).toList()))
                + SamplingOptions.HELP + "\n" + ModelOptions.HELP;
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        ModelOptions model = ModelOptions.readModelOrDemo(options);
        String system = options.string("system", null);
        String templateName = options.string("template", null);
        int maxTokens = options.integer("n", 256);
        SamplingParams sampling = SamplingOptions.read(options);
        options.finish();
        ChatTemplate template;
        try {
            template = templateName == null ? null : ChatTemplate.byName(templateName);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        try (LanguageModel lm = model.load();
             Conversation conversation = lm.newConversation(template == null ? lm.chatTemplate() : template)) {
            if (system != null) {
                conversation.system(system);
            }
            err.printf("mlm4j chat: %s, template %s, context %d; one message per line, /exit or EOF ends%n",
                    lm.model().architecture(), template == null ? lm.chatTemplate().id() : template.id(),
                    conversation.contextLength());
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while (prompt(err) && (line = lines.readLine()) != null && !line.strip().equals("/exit")) {
                if (line.isBlank()) {
                    continue;
                }
                Completion answer = conversation.chat(line, sampling, maxTokens, text -> {
                    out.print(text);
                    out.flush();
                });
                out.println();
                GenerateCommand.printStats(err, lm.loadNanos(), answer.stats());
            }
        }
        return 0;
    }

    private static boolean prompt(PrintStream err) {
        err.print("> ");
        err.flush();
        return true;
    }
}
