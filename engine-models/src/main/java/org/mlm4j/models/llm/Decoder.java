package org.mlm4j.models.llm;

import org.mlm4j.gguf.GgufFile;

/**
 * The decoder skeleton shared by LLaMA, phi-2 and phi-3 (llama2.c's {@code forward}, batched):
 * embed the inputs, run every block over the whole batch, then the final norm and the LM head
 * for the rows whose logits are wanted. What differs between the architectures lives in
 * {@link LlamaBlock}, {@link Phi2Block} and {@link Phi3Block}.
 */
public final class Decoder implements CausalLM {
    private final GgufFile gguf;
    private final ModelConfig config;
    private final DecoderWeights weights;
    private final Block[] blocks;

    private Decoder(GgufFile gguf, ModelConfig config, DecoderWeights weights) {
        this.gguf = gguf;
        this.config = config;
        this.weights = weights;
        this.blocks = new Block[config.blockCount()];
        for (int i = 0; i < blocks.length; i++) {
            DecoderWeights.Layer w = weights.layers()[i];
            blocks[i] = switch (config.architecture()) {
                case LLAMA -> new LlamaBlock(config, w);
                case PHI2 -> new Phi2Block(config, w);
                case PHI3 -> new Phi3Block(config, w);
            };
        }
    }

    /** Binds an open GGUF file; the decoder owns it from then on and closes it. */
    public static Decoder bind(GgufFile gguf) {
        ModelConfig config = ModelConfig.read(gguf);
        return new Decoder(gguf, config, DecoderWeights.bind(gguf, config));
    }

    public ModelConfig config() {
        return config;
    }

    public DecoderWeights weights() {
        return weights;
    }

    public GgufFile gguf() {
        return gguf;
    }

    @Override
    public String architecture() {
        return config.architecture().ggufName;
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
        return new DecoderSession(this, options.contextFor(this), options.kvCacheType(), options.maxBatch(),
                options.attention(),
                options.fastV());
    }

    @Override
    public void close() {
        gguf.close();
    }

    /**
     * Runs blocks {@code from .. to-1} over one batch of {@code n} rows: {@code s.activations.x}
     * holds their residual stream, {@code s.activations.positions} their positions.
     */
    void runBlocks(DecoderSession s, int from, int to, int n) {
        for (int l = from; l < to; l++) {
            blocks[l].forward(s.activations, n, s.kvCache(l));
        }
    }

    /** The final norm and the LM head for rows {@code firstRow .. n-1} of the batch, into {@code logits[logitsOffset ..]}. */
    void outputLogits(Activations a, int firstRow, int n, float[] logits, int logitsOffset) {
        int rows = n - firstRow;
        if (rows > 0) {
            int e = config.embeddingLength();
            Block.normalize(config, weights.outputNorm(), a.x, firstRow * e, a.xb, 0, rows);
            Block.project(weights.output(), a.xb, 0, logits, logitsOffset, rows);
        }
    }

    int blockCount() {
        return blocks.length;
    }

    void checkToken(int id) {
        if (id < 0 || id >= config.vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + config.vocabSize() + ")");
        }
    }

    /** Writes the embedding of token {@code id} to {@code out[offset ..]}. */
    void embed(int id, float[] out, int offset) {
        Block.embeddingRow(weights.tokenEmbedding(), id, out, offset);
    }
}
