/**
 * Tokenizers read from GGUF metadata, giving the ids llama.cpp (c392e50) gives.
 *
 * <pre>{@code
 * try (GgufFile gguf = GgufFile.open(path)) {
 *     Tokenizer tok = Tokenizer.fromGguf(gguf.metadata());
 *     int[] prompt = tok.encode("Once upon a time", true, true); // BOS if the model adds it
 *     TokenDecoder out = new TokenDecoder(tok);                   // streams valid UTF-8
 *     for (int id : generated) {
 *         if (tok.isEndOfGeneration(id)) break;
 *         System.out.print(out.accept(id));
 *     }
 *     System.out.print(out.flush());
 * }
 * }</pre>
 *
 * {@link org.mlm4j.models.tokenizer.Tokenizer} holds both algorithms: SentencePiece-style merges
 * by score with byte fallback ({@code tokenizer.ggml.model = "llama"}) and GPT-2 byte-level BPE
 * ({@code "gpt2"}) with the pre-tokenizer named by {@code tokenizer.ggml.pre}. Tested against
 * llama.cpp's tokenizer suite ({@code testdata/vocab}) and {@code oracle/text/tokenizer_tests.json}.
 */
package org.mlm4j.models.tokenizer;
