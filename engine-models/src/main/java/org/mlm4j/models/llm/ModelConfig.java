package org.mlm4j.models.llm;

import org.mlm4j.gguf.GgufFile;
import org.mlm4j.gguf.GgufMetadata;

/**
 * The hyper-parameters of a LLaMA / phi-2 / phi-3 decoder, read from GGUF metadata
 * ({@code {arch}.*} keys) with llama.cpp's defaults and loading rules (oracle/NUMERICS.md,
 * "Loading quirks").
 *
 * @param architecture  which block the layers use
 * @param embeddingLength n_embd, the width of the residual stream
 * @param blockCount    n_layer
 * @param feedForwardLength n_ff, the hidden width of the MLP
 * @param headCount     n_head, query heads
 * @param headCountKv   n_head_kv, key/value heads (GQA when smaller than n_head)
 * @param headDim       n_embd / n_head
 * @param ropeDims      n_rot: leading dimensions of each head that RoPE rotates (phi-2: partial)
 * @param ropeBase      θ base (rope.freq_base)
 * @param ropeFreqScale linear position scaling, 1 / rope.scaling.factor (1 when unscaled)
 * @param normEps       RMSNorm or LayerNorm epsilon
 * @param contextLength n_ctx_train
 * @param slidingWindow phi-3's attention window in positions, 0 when every past position is seen
 * @param vocabSize     n_vocab = the number of tokenizer tokens
 */
public record ModelConfig(
        Architecture architecture,
        int embeddingLength,
        int blockCount,
        int feedForwardLength,
        int headCount,
        int headCountKv,
        int headDim,
        int ropeDims,
        float ropeBase,
        float ropeFreqScale,
        float normEps,
        int contextLength,
        int slidingWindow,
        int vocabSize) {

    /** The decoder families this package runs; each names its GGUF architecture string. */
    public enum Architecture {
        LLAMA("llama", "attention.layer_norm_rms_epsilon"),
        PHI2("phi2", "attention.layer_norm_epsilon"),
        PHI3("phi3", "attention.layer_norm_rms_epsilon");

        public final String ggufName;
        final String epsKey;

        Architecture(String ggufName, String epsKey) {
            this.ggufName = ggufName;
            this.epsKey = epsKey;
        }

        /** The architecture named {@code name}, or {@code null}. */
        public static Architecture byGgufName(String name) {
            for (Architecture a : values()) {
                if (a.ggufName.equals(name)) {
                    return a;
                }
            }
            return null;
        }

        /** phi-2 and phi-3 rotate (x[i], x[i + n_rot/2]) (NEOX); llama rotates adjacent pairs. */
        public boolean neoxRope() {
            return this != LLAMA;
        }
    }

    /** Query width: n_head · head_dim. */
    public int queryDim() {
        return headCount * headDim;
    }

    /** Key/value width: n_head_kv · head_dim. */
    public int kvDim() {
        return headCountKv * headDim;
    }

    /** Reads and checks the hyper-parameters of {@code gguf}, failing as llama.cpp does on bad files. */
    public static ModelConfig read(GgufFile gguf) {
        try {
            return read(gguf.metadata());
        } catch (GgufMetadata.MetadataException e) {
            throw new InvalidModelException(e.getMessage());
        }
    }

    private static ModelConfig read(GgufMetadata md) {
        String archName = md.findString("general.architecture")
                .orElseThrow(() -> new InvalidModelException("missing metadata key 'general.architecture'"));
        Architecture arch = byNameOrThrow(archName);
        String p = arch.ggufName + ".";
        int nEmbd = positive(md, p + "embedding_length", md.getInt(p + "embedding_length"));
        int nLayer = positive(md, p + "block_count", md.getInt(p + "block_count"));
        int nCtx = positive(md, p + "context_length", md.getInt(p + "context_length"));
        float eps = md.getFloat(p + arch.epsKey);
        int nFf = positive(md, p + "feed_forward_length", md.getInt(p + "feed_forward_length"));
        int nHead = positive(md, p + "attention.head_count", md.getInt(p + "attention.head_count"));
        int nHeadKv = positive(md, p + "attention.head_count_kv", md.getInt(p + "attention.head_count_kv", nHead));
        if (nEmbd % nHead != 0 || nHead % nHeadKv != 0) {
            throw new InvalidModelException("inconsistent attention shape: n_embd " + nEmbd + ", n_head " + nHead
                    + ", n_head_kv " + nHeadKv + " (n_embd must divide by n_head, n_head by n_head_kv)");
        }
        int headDim = nEmbd / nHead;
        int nRot = md.getInt(p + "rope.dimension_count", headDim);
        if (arch == Architecture.LLAMA && nRot != headDim) {
            throw new InvalidModelException("invalid n_rot: " + nRot + ", expected " + headDim);
        }
        if (nRot <= 0 || nRot > headDim || nRot % 2 != 0) {
            throw new InvalidModelException("invalid rope.dimension_count " + nRot + " for head_dim " + headDim);
        }
        float base = md.getFloat(p + "rope.freq_base", 10000f);
        float freqScale = 1f / ropeScalingFactor(md, p);
        int swa = arch == Architecture.PHI3 ? phi3SlidingWindow(md, p, nLayer, nHeadKv, nCtx) : 0;
        if (!md.contains("tokenizer.ggml.tokens")) {
            throw new InvalidModelException("missing metadata key 'tokenizer.ggml.tokens'");
        }
        int nVocab = md.getArray("tokenizer.ggml.tokens").size();
        return new ModelConfig(arch, nEmbd, nLayer, nFf, nHead, nHeadKv, headDim, nRot, base, freqScale, eps,
                nCtx, swa, nVocab);
    }

    private static Architecture byNameOrThrow(String name) {
        Architecture a = Architecture.byGgufName(name);
        if (a == null) {
            throw new InvalidModelException("unsupported model architecture '" + name + "' (supported: llama, phi2, phi3)");
        }
        return a;
    }

    private static int positive(GgufMetadata md, String key, int v) {
        if (v <= 0) {
            throw new InvalidModelException("metadata key '" + key + "' = " + v + ", expected a positive value");
        }
        return v;
    }

    /** Linear scaling only ("none" or "linear"); yarn/longrope need kernels mlm4j does not have. */
    private static float ropeScalingFactor(GgufMetadata md, String p) {
        String type = md.findString(p + "rope.scaling.type").orElse("none");
        float factor = md.getFloat(p + "rope.scaling.factor", md.getFloat(p + "rope.scale_linear", 1f));
        if (!(type.equals("none") || type.equals("linear"))) {
            throw new InvalidModelException("unsupported rope scaling type '" + type + "' (supported: none, linear)");
        }
        if (type.equals("none") || factor == 0f) {
            return 1f;
        }
        if (!(factor > 0f) || Float.isInfinite(factor)) {
            throw new InvalidModelException("invalid rope scaling factor " + factor);
        }
        return factor;
    }

    /** llama.cpp's rule: the key is required except for three Phi-3 shapes that get a default. */
    private static int phi3SlidingWindow(GgufMetadata md, String p, int nLayer, int nHeadKv, int nCtx) {
        int swa = 0;
        if ((nLayer == 32 || nLayer == 40) && nCtx == 4096) {
            swa = 2047;
        } else if (nLayer == 32 && nHeadKv == 32 && nCtx == 131072) {
            swa = 262144;
        } else if (nLayer == 40 && nCtx == 131072) {
            swa = 131072;
        }
        String key = p + "attention.sliding_window";
        if (!md.contains(key) && swa == 0) {
            throw new InvalidModelException("invalid value for sliding_window (phi3 needs '" + key + "')");
        }
        return md.getInt(key, swa);
    }
}
