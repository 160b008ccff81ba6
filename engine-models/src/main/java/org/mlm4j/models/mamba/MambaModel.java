package org.mlm4j.models.mamba;

import org.mlm4j.gguf.GgufFile;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.MatmulKernels;
import org.mlm4j.kernels.OpsKernels;
import org.mlm4j.models.llm.CausalLM;
import org.mlm4j.models.llm.ContextFullException;
import org.mlm4j.models.llm.Input;
import org.mlm4j.models.llm.InvalidModelException;
import org.mlm4j.models.llm.Session;
import org.mlm4j.models.llm.SessionOptions;
import org.mlm4j.tensor.Dequantize;
import org.mlm4j.tensor.Tensor;

/**
 * A Mamba-1 language model (llama.cpp architecture {@code mamba}): token embedding, a stack of
 * {@link MambaBlock}s, a final RMSNorm and the LM head ({@code output.weight}, or the token
 * embedding when the file ties them). Its sessions hold a fixed-size recurrent state instead of a
 * KV cache, so memory and per-token cost stay flat however long the context grows.
 */
public final class MambaModel implements CausalLM {
    private final GgufFile file;
    private final MambaConfig config;
    private final MatmulKernels matmul;
    private final OpsKernels ops;
    private final Tensor tokenEmbedding; // token_embd.weight [n_embd, n_vocab]
    private final MambaBlock[] blocks;
    private final float[] outputNorm;    // output_norm.weight [n_embd]
    private final Tensor output;         // output.weight [n_embd, n_vocab], or token_embd when tied

    private MambaModel(GgufFile file, KernelProvider kernels) {
        this.file = file;
        this.config = MambaConfig.from(file.metadata());
        this.matmul = kernels.matmul();
        this.ops = kernels.ops();
        int e = config.embeddingLength();
        tokenEmbedding = MambaWeights.shaped(file, "token_embd.weight", e, config.vocabSize());
        blocks = new MambaBlock[config.blockCount()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = new MambaBlock(file, i, config, kernels);
        }
        outputNorm = Dequantize.toFloatArray(MambaWeights.shaped(file, "output_norm.weight", e));
        output = file.hasTensor("output.weight")
                ? MambaWeights.shaped(file, "output.weight", e, config.vocabSize())
                : tokenEmbedding;
    }

    /** Binds the Mamba weights of an open GGUF file; the model owns (and closes) the file. */
    public static MambaModel load(GgufFile file, KernelProvider kernels) {
        String arch = file.metadata().getString("general.architecture");
        if (!arch.equals("mamba")) {
            throw new InvalidModelException("not a mamba model: general.architecture is '" + arch + "'");
        }
        return new MambaModel(file, kernels);
    }

    public MambaConfig config() {
        return config;
    }

    /** The metadata of the model file (tokenizer, chat template). */
    public org.mlm4j.gguf.GgufMetadata fileMetadata() {
        return file.metadata();
    }

    @Override
    public String architecture() {
        return "mamba";
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int embeddingLength() {
        return config.embeddingLength();
    }

    @Override
    public int contextLength() {
        return config.contextLength();
    }

    @Override
    public Session newSession(SessionOptions options) {
        return new MambaSession(options.contextFor(this), options.maxBatch());
    }

    @Override
    public void close() {
        file.close();
    }

    /** One sequence: its recurrent state and scratch buffers. */
    private final class MambaSession implements Session {
        private final int contextLength;
        private final MambaState state = new MambaState(config);
        private final MambaScratch scratch;
        private final float[] x;
        private int position;

        MambaSession(int contextLength, int maxBatch) {
            this.contextLength = contextLength;
            this.scratch = new MambaScratch(config, maxBatch);
            this.x = new float[maxBatch * config.embeddingLength()];
        }

        @Override
        public int position() {
            return position;
        }

        @Override
        public int contextLength() {
            return contextLength;
        }

        @Override
        public float[] forward(Input input, Logits wanted) {
            int count = input.count();
            if (count > contextLength - position) {
                throw new ContextFullException("input of " + count + " positions does not fit: " + position
                        + " of " + contextLength + " context positions are used");
            }
            if (input instanceof Input.Embeddings emb && count > 0 && emb.width() != config.embeddingLength()) {
                throw new IllegalArgumentException("input embeddings are " + emb.width() + " wide, the model's n_embd is "
                        + config.embeddingLength());
            }
            int rows = switch (wanted) {
                case NONE -> 0;
                case LAST -> count == 0 ? 0 : 1;
                case ALL -> count;
            };
            float[] logits = new float[rows * config.vocabSize()];
            int e = config.embeddingLength();
            for (int start = 0; start < count; start += scratch.capacity) {
                int n = Math.min(scratch.capacity, count - start);
                embed(input, start, n);
                for (int l = 0; l < blocks.length; l++) {
                    blocks[l].forward(x, n, state.layer(l), scratch);
                }
                position += n;
                int first = switch (wanted) {
                    case NONE -> n;
                    case LAST -> start + n == count ? n - 1 : n;
                    case ALL -> 0;
                };
                if (first < n) {
                    ops.rmsNorm(x, first * e, scratch.h, 0, e, n - first, outputNorm, config.rmsEps());
                    int row = wanted == Logits.ALL ? start + first : 0;
                    matmul.matmul(output, scratch.h, 0, logits, row * config.vocabSize(), n - first);
                }
            }
            return logits;
        }

        private void embed(Input input, int start, int n) {
            int e = config.embeddingLength();
            switch (input) {
                case Input.Tokens tokens -> {
                    for (int i = 0; i < n; i++) {
                        int id = tokens.id(start + i);
                        if (id < 0 || id >= config.vocabSize()) {
                            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of "
                                    + config.vocabSize());
                        }
                        Dequantize.row(tokenEmbedding, id, x, i * e);
                    }
                }
                case Input.Embeddings emb -> System.arraycopy(emb.rows(), start * e, x, 0, n * e);
            }
        }

        @Override
        public void reset() {
            state.clear();
            position = 0;
        }

        @Override
        public long stateBytes() {
            return state.bytes();
        }

        @Override
        public void close() {
        }
    }
}
