/**
 * Chat prompt formats: {@link org.mlm4j.models.chat.ChatTemplate} turns a list of
 * {@link org.mlm4j.models.chat.ChatMessage}s into the text a chat model expects (phi-3, LLaMA-2,
 * Vicuna, MobileVLM, ChatML, raw), chosen from the model's {@code tokenizer.chat_template} or
 * by name. Tokenize the result with special tokens parsed.
 */
package org.mlm4j.models.chat;
