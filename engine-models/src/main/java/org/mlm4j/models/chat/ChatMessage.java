package org.mlm4j.models.chat;

/** One turn of a conversation. {@code role} is "system", "user" or "assistant". */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        if (role == null || content == null) {
            throw new IllegalArgumentException("a chat message needs a role and content");
        }
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }
}
