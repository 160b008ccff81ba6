package org.mlm4j.cli;

import java.io.PrintStream;
import java.util.List;
import org.mlm4j.Completion;
import org.mlm4j.Conversation;
import org.mlm4j.LanguageModel;
import org.mlm4j.models.chat.ChatMessage;
import org.mlm4j.models.chat.ChatTemplate;
import org.mlm4j.models.llm.Generator;
import org.mlm4j.models.vision.MultimodalPrompt;

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
                       mlm4j generate --model M.gguf --mmproj P.gguf --image I.jpg[,J.png...] --prompt TEXT ...

                Prints the prompt, then its continuation as it is generated; at the end, the load time
                and the prompt and decode speeds go to stderr. Generation stops at an end-of-sequence or
                end-of-turn token, after -n tokens, or when the context is full.

                  --prompt TEXT   the text to continue (special-token texts become their tokens; BOS is
                                  added when the model asks for it)
                  -n N            tokens to generate at most (default 128; -1: until the end of the context)
                  --demo          use the bundled stories260K model (tiny stories) instead of --model

                Images (multimodal models such as MobileVLM and LLaVA-1.5):
                  --mmproj P.gguf the vision encoder + projector (llama.cpp mmproj GGUF)
                  --image FILES   image files, comma-separated; each replaces one <image> in the prompt,
                                  in order (the text before the first image takes BOS, the rest does not,
                                  as llama.cpp's llava-cli). A prompt without <image> is put in the
                                  MobileVLM / Vicuna format: "<system> USER: <image>\\nPROMPT ASSISTANT:"
                  --vision-preset pytorch|llamacpp
                                  pytorch (default): what the original PyTorch models compute;
                                  llamacpp: llama.cpp's clip.cpp numbers, quirks included
                  --vision-attention A
                                  the ViT's attention: exact (default), block:B[,stride:T], linear:elu
                                  or linear:favor:M (docs/attention.md)
                  --image-tokens N
                                  average-pool each image's token grid to √N×√N tokens (e.g. 144 -> 64
                                  or 36) for a shorter, faster prompt (README: visual-token reduction)

                """ + SamplingOptions.HELP + "\n" + ModelOptions.HELP;
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        ModelOptions model = ModelOptions.readModelOrDemo(options);
        String prompt = options.requiredString("prompt");
        int maxTokens = SamplingOptions.maxTokens(options, 128);
        var sampling = SamplingOptions.read(options);
        ImageOptions vision = ImageOptions.read(options);
        if (vision.mmproj() != null && vision.images().isEmpty()) {
            throw new UsageException("--mmproj needs --image");
        }
        options.finish();
        try (LanguageModel lm = model.load(); Conversation conversation = lm.newConversation()) {
            List<float[][]> images = vision.encodeAll(err);
            String input = images.isEmpty() || MultimodalPrompt.placeholders(prompt) > 0 ? prompt
                    : ChatTemplate.MOBILEVLM.apply(List.of(ChatMessage.user(
                            (MultimodalPrompt.IMAGE_PLACEHOLDER + "\n").repeat(images.size()) + prompt)), true);
            out.print(input);
            out.flush();
            Completion done = conversation.generate(input, images, sampling, maxTokens, text -> {
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
