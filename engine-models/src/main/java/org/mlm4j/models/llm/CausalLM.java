package org.mlm4j.models.llm;

import java.io.IOException;
import java.nio.file.Path;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.models.mamba.MambaModel;

/**
 * A decoder-only language model: a stack of blocks turning inputs (token ids or input embeddings)
 * at consecutive positions into next-token logits. Transformers (LLaMA, phi-2, phi-3: {@link
 * Decoder}) keep a KV cache in their {@link Session}; recurrent models (Mamba) keep their state
 * there instead, so both plug into the same generation loop, CLI and API.
 *
 * <p>A loaded model is immutable and may be shared by threads; each {@link Session} belongs to
 * one conversation and one thread at a time.
 */
public interface CausalLM extends AutoCloseable {

    /**
     * Maps the GGUF file at {@code path} and binds the model its {@code general.architecture}
     * names.
     *
     * @throws InvalidModelException for an architecture mlm4j does not run or a malformed model
     */
    static CausalLM open(Path path) throws IOException {
        GgufFile gguf = GgufFile.open(path);
        try {
            return bind(gguf);
        } catch (RuntimeException e) {
            gguf.close();
            throw e;
        }
    }

    /**
     * Binds the model of an open GGUF file by its {@code general.architecture}; the model owns the
     * file from then on (closing the model closes it). The caller closes the file on failure.
     */
    static CausalLM bind(GgufFile gguf) {
        String arch = gguf.metadata().findString("general.architecture")
                .orElseThrow(() -> new InvalidModelException("missing metadata key 'general.architecture'"));
        return switch (arch) {
            case "llama", "phi2", "phi3" -> Decoder.bind(gguf);
            case "mamba" -> MambaModel.load(gguf, KernelProvider.get());
            default -> throw new InvalidModelException("unsupported model architecture '" + arch
                    + "' (supported: llama, phi2, phi3, mamba)");
        };
    }

    /** The GGUF architecture string ({@code llama}, {@code phi2}, {@code phi3}, {@code mamba}). */
    String architecture();

    /** n_vocab: the width of a logits row. */
    int vocabSize();

    /** n_embd: the width of an input embedding row (what a vision projector must produce). */
    int embeddingLength();

    /** The context length the model was trained for (n_ctx_train). */
    int contextLength();

    /** A fresh conversation state (KV cache or recurrent state) at position 0. */
    Session newSession(SessionOptions options);

    /** Releases the mapped weights; sessions must not be used afterwards. */
    @Override
    void close();
}
