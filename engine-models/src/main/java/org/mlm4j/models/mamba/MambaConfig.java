package org.mlm4j.models.mamba;

import org.mlm4j.gguf.GgufMetadata;
import org.mlm4j.models.llm.InvalidModelException;

/**
 * Mamba-1 hyper-parameters as llama.cpp reads them from a GGUF file ({@code mamba.*} keys).
 *
 * @param embeddingLength n_embd (d_model)
 * @param blockCount      n_layer
 * @param innerSize       d_inner = 2·n_embd (llama.cpp requires the expansion factor 2)
 * @param stateSize       d_state (N in the paper), 16 for the released models
 * @param convKernel      d_conv, the causal depthwise convolution's width (4)
 * @param timeStepRank    dt_rank, the width of Δ's low-rank projection
 * @param rmsEps          RMSNorm epsilon
 * @param contextLength   n_ctx_train (the converter writes 2^20: Mamba has no positional limit)
 * @param vocabSize       n_vocab, the length of {@code tokenizer.ggml.tokens}
 */
public record MambaConfig(int embeddingLength, int blockCount, int innerSize, int stateSize, int convKernel,
                          int timeStepRank, float rmsEps, int contextLength, int vocabSize) {

    static MambaConfig from(GgufMetadata meta) {
        MambaConfig c = new MambaConfig(
                required(meta, "mamba.embedding_length"),
                required(meta, "mamba.block_count"),
                required(meta, "mamba.ssm.inner_size"),
                required(meta, "mamba.ssm.state_size"),
                required(meta, "mamba.ssm.conv_kernel"),
                required(meta, "mamba.ssm.time_step_rank"),
                meta.getFloat("mamba.attention.layer_norm_rms_epsilon"),
                required(meta, "mamba.context_length"),
                meta.getStringArray("tokenizer.ggml.tokens").length);
        if (c.innerSize != 2 * c.embeddingLength) {
            throw new InvalidModelException("mamba: ssm.inner_size " + c.innerSize + " must be 2 x embedding_length "
                    + c.embeddingLength);
        }
        if (c.convKernel < 1 || c.stateSize < 1 || c.timeStepRank < 1) {
            throw new InvalidModelException("mamba: ssm.conv_kernel, ssm.state_size and ssm.time_step_rank must be positive");
        }
        return c;
    }

    private static int required(GgufMetadata meta, String key) {
        int v = meta.getInt(key);
        if (v <= 0) {
            throw new InvalidModelException("mamba: " + key + " must be positive, got " + v);
        }
        return v;
    }

    /** Width of one row of the x_proj output: [Δ (dt_rank) | B (d_state) | C (d_state)]. */
    int xProjWidth() {
        return timeStepRank + 2 * stateSize;
    }
}
