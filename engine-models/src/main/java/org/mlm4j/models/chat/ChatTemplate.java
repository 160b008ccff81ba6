package org.mlm4j.models.chat;

import org.mlm4j.gguf.GgufMetadata;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Formats a conversation into the prompt text a chat model was trained on, as llama.cpp's
 * {@code llm_chat_apply_template} (src/llama-chat.cpp) does for the same template names. The
 * result is meant to be tokenized with special tokens parsed ({@code encode(text, true, true)}).
 * {@link #forModel} picks the template from {@code tokenizer.chat_template} the way
 * {@code llm_chat_detect_template} recognises it, else from the architecture.
 */
public enum ChatTemplate {
    /** The contents as they are, concatenated: for base models and hand-written prompts. */
    RAW("raw"),
    /** {@code <|im_start|>role\n...<|im_end|>\n}. */
    CHATML("chatml"),
    /** {@code [INST] ... [/INST]}; a system message is prepended to the first turn without markers. */
    LLAMA2("llama2"),
    /** LLaMA-2 with {@code <<SYS>>\n...\n<</SYS>>\n\n}. */
    LLAMA2_SYS("llama2-sys"),
    /** LLaMA-2 with a system message and {@code <s>} before every later {@code [INST]}. */
    LLAMA2_SYS_BOS("llama2-sys-bos"),
    /** LLaMA-2 with a system message and the contents trimmed. */
    LLAMA2_SYS_STRIP("llama2-sys-strip"),
    /** Phi-3: {@code <|user|>\n...<|end|>\n<|assistant|>\n}. */
    PHI3("phi3"),
    /** Vicuna 1.1 as llama.cpp writes it: {@code USER: ...\nASSISTANT:} with newlines. */
    VICUNA("vicuna"),
    /** Orca-Vicuna: Vicuna with {@code SYSTEM: } before the system message. */
    VICUNA_ORCA("vicuna-orca"),
    /**
     * MobileVLM / LLaVA {@code conv_vicuna_v1}: the system message (by default the "A chat between
     * a curious user and an artificial intelligence assistant..." sentence), then
     * {@code " USER: ... ASSISTANT:"}; earlier answers end with {@code </s>}.
     */
    MOBILEVLM("mobilevlm");

    /** The system message MobileVLM's conversation template starts with. */
    public static final String VICUNA_V1_SYSTEM = "A chat between a curious user and an artificial intelligence assistant. "
            + "The assistant gives helpful, detailed, and polite answers to the user's questions.";

    private final String id;

    ChatTemplate(String id) {
        this.id = id;
    }

    /** The name used on the command line and by llama.cpp (e.g. "phi3", "llama2-sys"). */
    public String id() {
        return id;
    }

    /** The template with that name; fails listing the names. */
    public static ChatTemplate byName(String name) {
        for (ChatTemplate t : values()) {
            if (t.id.equals(name.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown chat template '" + name + "' (known: "
                + String.join(", ", Arrays.stream(values()).map(ChatTemplate::id).toList()) + ")");
    }

    /**
     * The template of a model: {@code tokenizer.chat_template} when it names or looks like a known
     * template, else by {@code general.architecture} (phi3 → {@link #PHI3}), else {@link #RAW}.
     */
    public static ChatTemplate forModel(GgufMetadata meta) {
        Optional<ChatTemplate> fromTemplate = meta.findString("tokenizer.chat_template").flatMap(ChatTemplate::detect);
        if (fromTemplate.isPresent()) {
            return fromTemplate.get();
        }
        return meta.findString("general.architecture").filter("phi3"::equals).map(a -> PHI3).orElse(RAW);
    }

    /** Recognises a Jinja chat template (or a template name) as llama.cpp's {@code llm_chat_detect_template} does. */
    public static Optional<ChatTemplate> detect(String template) {
        for (ChatTemplate t : values()) {
            if (t.id.equals(template)) {
                return Optional.of(t);
            }
        }
        if (template.contains("<|im_start|>")) {
            return Optional.of(CHATML);
        }
        if (template.contains("[INST]")) {
            if (template.contains("content.strip()")) {
                return Optional.of(LLAMA2_SYS_STRIP);
            }
            if (template.contains("bos_token + '[INST]")) {
                return Optional.of(LLAMA2_SYS_BOS);
            }
            return Optional.of(template.contains("<<SYS>>") ? LLAMA2_SYS : LLAMA2);
        }
        if (template.contains("<|assistant|>") && template.contains("<|end|>")) {
            return Optional.of(PHI3);
        }
        if (template.contains("USER: ") && template.contains("ASSISTANT: ")) {
            return Optional.of(template.contains("SYSTEM: ") ? VICUNA_ORCA : VICUNA);
        }
        return Optional.empty();
    }

    /**
     * The prompt for a conversation. With {@code addAssistant} the text ends with the opening of
     * the assistant's turn, so the model's continuation is its answer.
     */
    public String apply(List<ChatMessage> messages, boolean addAssistant) {
        StringBuilder sb = new StringBuilder();
        switch (this) {
            case RAW -> messages.forEach(m -> sb.append(m.content()));
            case CHATML -> {
                for (ChatMessage m : messages) {
                    sb.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
                }
                if (addAssistant) {
                    sb.append("<|im_start|>assistant\n");
                }
            }
            case LLAMA2, LLAMA2_SYS, LLAMA2_SYS_BOS, LLAMA2_SYS_STRIP -> llama2(messages, sb);
            case PHI3 -> {
                for (ChatMessage m : messages) {
                    sb.append("<|").append(m.role()).append("|>\n").append(m.content()).append("<|end|>\n");
                }
                if (addAssistant) {
                    sb.append("<|assistant|>\n");
                }
            }
            case VICUNA, VICUNA_ORCA -> {
                for (ChatMessage m : messages) {
                    switch (m.role()) {
                        case "system" -> sb.append(this == VICUNA_ORCA ? "SYSTEM: " + m.content() + "\n" : m.content() + "\n\n");
                        case "user" -> sb.append("USER: ").append(m.content()).append('\n');
                        case "assistant" -> sb.append("ASSISTANT: ").append(m.content()).append("</s>\n");
                        default -> { }
                    }
                }
                if (addAssistant) {
                    sb.append("ASSISTANT:");
                }
            }
            case MOBILEVLM -> mobileVlm(messages, addAssistant, sb);
        }
        return sb.toString();
    }

    /**
     * The text a new message adds to a conversation already formatted (llama.cpp's
     * {@code common_chat_format_single}), for interactive chat that feeds only the new part: the
     * difference between the conversation with and without the message, plus the newline that
     * ended the history when {@code addAssistant} is set.
     */
    public String formatIncrement(List<ChatMessage> history, ChatMessage message, boolean addAssistant) {
        String past = history.isEmpty() ? "" : apply(history, false);
        List<ChatMessage> all = new java.util.ArrayList<>(history);
        all.add(message);
        String next = apply(all, addAssistant);
        String newline = addAssistant && past.endsWith("\n") ? "\n" : "";
        return newline + next.substring(Math.min(past.length(), next.length()));
    }

    /** llama.cpp's LLaMA-2 family: the first {@code [INST] } is written before any message, without BOS. */
    private void llama2(List<ChatMessage> messages, StringBuilder sb) {
        boolean insideTurn = true;
        sb.append("[INST] ");
        for (ChatMessage m : messages) {
            String content = this == LLAMA2_SYS_STRIP ? trim(m.content()) : m.content();
            if (!insideTurn) {
                insideTurn = true;
                sb.append(this == LLAMA2_SYS_BOS ? "<s>[INST] " : "[INST] ");
            }
            switch (m.role()) {
                case "system" -> sb.append(this == LLAMA2 ? content + "\n" : "<<SYS>>\n" + content + "\n<</SYS>>\n\n");
                case "user" -> sb.append(content).append(" [/INST]");
                default -> {
                    sb.append(content).append("</s>");
                    insideTurn = false;
                }
            }
        }
    }

    /** Trims C-locale whitespace (space, \t, \n, \v, \f, \r) as llama-chat.cpp's {@code trim}. */
    private static String trim(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    /** LLaVA's {@code SeparatorStyle.TWO} with separators " " (after user turns) and "</s>" (after answers). */
    private static void mobileVlm(List<ChatMessage> messages, boolean addAssistant, StringBuilder sb) {
        String system = VICUNA_V1_SYSTEM;
        for (ChatMessage m : messages) {
            if (m.role().equals("system")) {
                system = m.content();
            }
        }
        sb.append(system).append(' ');
        for (ChatMessage m : messages) {
            switch (m.role()) {
                case "user" -> sb.append("USER: ").append(m.content()).append(' ');
                case "assistant" -> sb.append("ASSISTANT: ").append(m.content()).append("</s>");
                default -> { }
            }
        }
        if (addAssistant) {
            sb.append("ASSISTANT:");
        }
    }
}
