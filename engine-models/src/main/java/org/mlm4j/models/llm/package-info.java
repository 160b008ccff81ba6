/**
 * Decoder-only language models behind one interface, {@link org.mlm4j.models.llm.CausalLM}:
 * {@link org.mlm4j.models.llm.CausalLM#open} maps a GGUF file and binds the model its
 * {@code general.architecture} names. A {@link org.mlm4j.models.llm.Session} holds one
 * conversation's state and evaluates {@link org.mlm4j.models.llm.Input}s (token ids, or input
 * embeddings such as a projected image) at consecutive positions, returning the logits asked for.
 *
 * <p>Transformers: {@link org.mlm4j.models.llm.ModelConfig} reads the hyper-parameters with
 * llama.cpp's defaults and loading rules, {@link org.mlm4j.models.llm.DecoderWeights} binds the
 * tensors in place, and {@link org.mlm4j.models.llm.Decoder} runs the shared skeleton (embedding,
 * blocks, final norm, LM head for the wanted rows) over {@code LlamaBlock}, {@code Phi2Block} or
 * {@code Phi3Block}, each built from kernel calls only. Prompts go through the blocks as one batch
 * (matrix-matrix kernels); decoding is one token at a time; K and V are cached as F16 (llama.cpp's
 * default) or F32. Mamba ({@code org.mlm4j.models.mamba}) implements the same interface with a
 * recurrent state.
 *
 * <p>{@link org.mlm4j.models.llm.Generator} is the generation loop shared by the CLI and the Java
 * API ({@code org.mlm4j.LanguageModel}); {@link org.mlm4j.models.llm.RandomModel} writes
 * random-weight models at real dimensions for benchmarks.
 */
package org.mlm4j.models.llm;
