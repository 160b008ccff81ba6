/**
 * The Java API. {@link org.mlm4j.LanguageModel} loads a GGUF language model with its tokenizer
 * and chat template; each {@link org.mlm4j.Conversation} holds one KV cache (or Mamba state) and
 * streams {@link org.mlm4j.Completion}s from prompts or chat messages. {@link org.mlm4j.VisionEncoder}
 * turns images into embeddings that a conversation takes at {@code <image>} placeholders. Models
 * are immutable once loaded and may be shared between threads; conversations are not.
 */
package org.mlm4j;
