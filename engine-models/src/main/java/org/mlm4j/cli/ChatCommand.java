package org.mlm4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mlm4j.Completion;
import org.mlm4j.Conversation;
import org.mlm4j.LanguageModel;
import org.mlm4j.VisionEncoder;
import org.mlm4j.models.chat.ChatTemplate;
import org.mlm4j.models.sampling.SamplingParams;

/** {@code chat}: an interactive conversation in the model's chat format, one user message per line of stdin. */
final class ChatCommand implements Command {
    private static final String IMAGE_COMMAND = "/image ";
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
                With --mmproj, a line "/image PATH" attaches an image to the next message (at its
                <image> placeholder, else at its start).

                  --system TEXT    a system message before the first turn
                  --template NAME  the chat format: %s
                                   (default: the model's tokenizer.chat_template, else by architecture)
                  -n N             tokens per answer at most (default 256; -1: no limit)
                  --mmproj P.gguf  a vision encoder + projector for /image (llama.cpp mmproj GGUF)
                  --vision-preset pytorch|llamacpp, --vision-attention A, --image-tokens N
                                   (see mlm4j generate --help)

                """.formatted(String.join(", ", java.util.Arrays.stream(ChatTemplate.values()).map(ChatTemplate::id).toList()))
                + SamplingOptions.HELP + "\n" + ModelOptions.HELP;
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        ModelOptions model = ModelOptions.readModelOrDemo(options);
        String system = options.string("system", null);
        String templateName = options.string("template", null);
        int maxTokens = SamplingOptions.maxTokens(options, 256);
        SamplingParams sampling = SamplingOptions.read(options);
        ImageOptions vision = ImageOptions.read(options);
        if (!vision.images().isEmpty()) {
            throw new UsageException("chat takes images as '/image PATH' lines, not --image");
        }
        options.finish();
        ChatTemplate template;
        try {
            template = templateName == null ? null : ChatTemplate.byName(templateName);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        try (LanguageModel lm = model.load();
             Conversation conversation = lm.newConversation(template == null ? lm.chatTemplate() : template);
             VisionEncoder encoder = vision.open()) {
            if (system != null) {
                conversation.system(system);
            }
            err.printf("mlm4j chat: %s, template %s, context %d; one message per line, /exit or EOF ends%n",
                    lm.model().architecture(), template == null ? lm.chatTemplate().id() : template.id(),
                    conversation.contextLength());
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            List<float[][]> images = new ArrayList<>();
            String line;
            while (prompt(err) && (line = lines.readLine()) != null && !line.strip().equals("/exit")) {
                if (line.isBlank()) {
                    continue;
                }
                if (line.startsWith(IMAGE_COMMAND)) {
                    attach(encoder, Path.of(line.substring(IMAGE_COMMAND.length()).strip()), images, err);
                    continue;
                }
                Completion answer = conversation.chat(line, List.copyOf(images), sampling, maxTokens, text -> {
                    out.print(text);
                    out.flush();
                });
                images.clear();
                out.println();
                GenerateCommand.printStats(err, lm.loadNanos(), answer.stats());
            }
        }
        return 0;
    }

    /** Encodes an image for the next message; a bad file is reported and the chat goes on. */
    private static void attach(VisionEncoder encoder, Path file, List<float[][]> images, PrintStream err) {
        if (encoder == null) {
            err.println("mlm4j chat: /image needs --mmproj (the vision encoder and projector)");
            return;
        }
        try {
            ImageEncoding e = ImageEncoding.run(encoder, file);
            e.report(err);
            images.add(e.embeddings());
        } catch (IOException | RuntimeException e) {
            err.println("mlm4j chat: " + Main.oneLine(e));
        }
    }

    private static boolean prompt(PrintStream err) {
        err.print("> ");
        err.flush();
        return true;
    }
}
