package org.mlm4j.models.chat;

import org.junit.jupiter.api.Test;
import org.mlm4j.gguf.GgufMetadata;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The expected strings are those of llama.cpp's tests/test-chat-template.cpp for the same
 * conversation (and of LLaVA's conv_vicuna_v1 for MobileVLM).
 */
class ChatTemplateTest {
    static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are a helpful assistant"),
            ChatMessage.user("Hello"),
            ChatMessage.assistant("Hi there"),
            ChatMessage.user("Who are you"),
            ChatMessage.assistant("   I am an assistant   "),
            ChatMessage.user("Another question"));

    private static String apply(ChatTemplate t) {
        return t.apply(CONVERSATION, true);
    }

    @Test
    void llamaCppGoldenOutputs() {
        assertThat(apply(ChatTemplate.CHATML)).isEqualTo("<|im_start|>system\nYou are a helpful assistant<|im_end|>\n"
                + "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n"
                + "<|im_start|>user\nWho are you<|im_end|>\n<|im_start|>assistant\n   I am an assistant   <|im_end|>\n"
                + "<|im_start|>user\nAnother question<|im_end|>\n<|im_start|>assistant\n");
        assertThat(apply(ChatTemplate.LLAMA2)).isEqualTo("[INST] You are a helpful assistant\nHello [/INST]Hi there</s>"
                + "[INST] Who are you [/INST]   I am an assistant   </s>[INST] Another question [/INST]");
        assertThat(apply(ChatTemplate.LLAMA2_SYS_BOS)).isEqualTo("[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\n"
                + "Hello [/INST]Hi there</s><s>[INST] Who are you [/INST]   I am an assistant   </s><s>[INST] Another question [/INST]");
        assertThat(apply(ChatTemplate.LLAMA2_SYS_STRIP)).isEqualTo("[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\n"
                + "Hello [/INST]Hi there</s>[INST] Who are you [/INST]I am an assistant</s>[INST] Another question [/INST]");
        assertThat(apply(ChatTemplate.VICUNA)).isEqualTo("You are a helpful assistant\n\nUSER: Hello\nASSISTANT: Hi there</s>\n"
                + "USER: Who are you\nASSISTANT:    I am an assistant   </s>\nUSER: Another question\nASSISTANT:");
        assertThat(apply(ChatTemplate.VICUNA_ORCA)).isEqualTo("SYSTEM: You are a helpful assistant\nUSER: Hello\nASSISTANT: Hi there</s>\n"
                + "USER: Who are you\nASSISTANT:    I am an assistant   </s>\nUSER: Another question\nASSISTANT:");
        assertThat(apply(ChatTemplate.PHI3)).isEqualTo("<|system|>\nYou are a helpful assistant<|end|>\n<|user|>\nHello<|end|>\n"
                + "<|assistant|>\nHi there<|end|>\n<|user|>\nWho are you<|end|>\n<|assistant|>\n   I am an assistant   <|end|>\n"
                + "<|user|>\nAnother question<|end|>\n<|assistant|>\n");
    }

    @Test
    void singleMessageIncrementsMatchLlamaCpp() {
        List<ChatMessage> history = List.of(ChatMessage.system("You are a helpful assistant"),
                ChatMessage.user("Hello"), ChatMessage.assistant("I am assistant"));
        ChatMessage next = ChatMessage.user("How are you");
        assertThat(ChatTemplate.CHATML.formatIncrement(history, next, true))
                .isEqualTo("\n<|im_start|>user\nHow are you<|im_end|>\n<|im_start|>assistant\n");
        assertThat(ChatTemplate.LLAMA2.formatIncrement(history, next, true)).isEqualTo("[INST] How are you [/INST]");
        ChatMessage system = ChatMessage.system("You are a helpful assistant");
        assertThat(ChatTemplate.CHATML.formatIncrement(List.of(), system, false))
                .isEqualTo("<|im_start|>system\nYou are a helpful assistant<|im_end|>\n");
        assertThat(ChatTemplate.LLAMA2.formatIncrement(List.of(), system, false)).isEqualTo("[INST] You are a helpful assistant\n");
        assertThat(ChatTemplate.LLAMA2_SYS.formatIncrement(List.of(), system, false))
                .isEqualTo("[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\n");
    }

    @Test
    void mobileVlmUsesTheVicunaV1Conversation() {
        String first = ChatTemplate.MOBILEVLM.apply(List.of(ChatMessage.user("<image>\nWhat is in the picture?")), true);
        assertThat(first).isEqualTo(ChatTemplate.VICUNA_V1_SYSTEM + " USER: <image>\nWhat is in the picture? ASSISTANT:");
        assertThat(first).startsWith("A chat between a curious user and an artificial intelligence assistant. "
                + "The assistant gives helpful, detailed, and polite answers to the user's questions. USER: ");
        String multi = ChatTemplate.MOBILEVLM.apply(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi"),
                ChatMessage.assistant("Hello!"), ChatMessage.user("Bye")), true);
        assertThat(multi).isEqualTo("Be brief. USER: Hi ASSISTANT: Hello!</s>USER: Bye ASSISTANT:");
    }

    @Test
    void rawKeepsTheTextAsIs() {
        assertThat(ChatTemplate.RAW.apply(List.of(ChatMessage.user("Once upon a time")), true)).isEqualTo("Once upon a time");
    }

    @Test
    void detectsTemplatesLikeLlamaCpp() {
        assertThat(ChatTemplate.detect("{% for m in messages %}<|im_start|>{{ m.role }}...")).contains(ChatTemplate.CHATML);
        assertThat(ChatTemplate.detect("{{ '<|user|>\\n' + content + '<|end|>\\n<|assistant|>\\n' }}")).contains(ChatTemplate.PHI3);
        assertThat(ChatTemplate.detect("{{ bos_token }}{{ '[INST] <<SYS>>\\n' }}")).contains(ChatTemplate.LLAMA2_SYS);
        assertThat(ChatTemplate.detect("{{ '[INST] ' + content.strip() + ' [/INST]' }}")).contains(ChatTemplate.LLAMA2_SYS_STRIP);
        assertThat(ChatTemplate.detect("{{ 'USER: ' + x + '\\nASSISTANT: ' }}")).contains(ChatTemplate.VICUNA);
        assertThat(ChatTemplate.detect("llama2-sys")).contains(ChatTemplate.LLAMA2_SYS);
        assertThat(ChatTemplate.detect("{{ something else }}")).isEmpty();
    }

    @Test
    void modelTemplateFromMetadataOrArchitecture() {
        assertThat(ChatTemplate.forModel(GgufMetadata.of(Map.of("general.architecture", "phi3")))).isEqualTo(ChatTemplate.PHI3);
        assertThat(ChatTemplate.forModel(GgufMetadata.of(Map.of("general.architecture", "llama")))).isEqualTo(ChatTemplate.RAW);
        assertThat(ChatTemplate.forModel(GgufMetadata.of(Map.of("general.architecture", "llama",
                "tokenizer.chat_template", "<|im_start|>")))).isEqualTo(ChatTemplate.CHATML);
        assertThat(ChatTemplate.byName("phi3")).isEqualTo(ChatTemplate.PHI3);
        assertThatThrownBy(() -> ChatTemplate.byName("nope")).hasMessageContaining("known: raw, chatml");
    }
}
