package org.mlm4j.models.llm;

import org.mlm4j.kernels.KvBuffer;

import org.mlm4j.kernels.AttentionMask;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.MatmulKernels;
import org.mlm4j.kernels.OpsKernels;
import org.mlm4j.kernels.Rope;
import org.mlm4j.tensor.Dequantize;
import org.mlm4j.tensor.Tensor;

/**
 * One transformer block over a batch of {@code n} positions of the residual stream
 * {@code a.x [n][n_embd]}, plus the steps every block shares: norms, linear layers, and causal
 * self-attention with RoPE and a KV cache. Each subclass is one paper's block.
 */
abstract sealed class Block permits LlamaBlock, Phi2Block, Phi3Block {
    static final MatmulKernels MATMUL = KernelProvider.get().matmul();
    static final OpsKernels OPS = KernelProvider.get().ops();

    final ModelConfig c;
    final DecoderWeights.Layer w;
    final Rope rope;
    final AttentionMask mask;

    Block(ModelConfig c, DecoderWeights.Layer w) {
        this.c = c;
        this.w = w;
        this.rope = new Rope(c.architecture().neoxRope() ? Rope.Mode.NEOX : Rope.Mode.NORMAL,
                c.headDim(), c.ropeDims(), c.ropeBase(), c.ropeFreqScale());
        this.mask = AttentionMask.slidingWindow(c.slidingWindow());
    }

    /**
     * Transforms {@code a.x [n][n_embd]} in place. Row t sits at RoPE position {@code a.positions[t]};
     * its K and V are appended to {@code kv} (see {@link #selfAttention}).
     */
    abstract void forward(Activations a, int n, KvBuffer kv);

    /** The model's norm (RMSNorm, or LayerNorm with bias for phi-2) of {@code rows} rows. */
    static void normalize(ModelConfig c, DecoderWeights.Norm norm, float[] x, int xOffset, float[] y, int yOffset,
                          int rows) {
        int e = c.embeddingLength();
        if (norm.bias() != null) {
            OPS.layerNorm(x, xOffset, y, yOffset, e, rows, norm.weight(), norm.bias(), c.normEps());
        } else {
            OPS.rmsNorm(x, xOffset, y, yOffset, e, rows, norm.weight(), c.normEps());
        }
    }

    void normalize(DecoderWeights.Norm norm, Activations a, int n) {
        normalize(c, norm, a.x, 0, a.xb, 0, n);
    }

    /** {@code y[b] = W x[b] (+ bias)} for {@code rows} rows. */
    static void project(Linear layer, float[] x, int xOffset, float[] y, int yOffset, int rows) {
        MATMUL.matmul(layer.weight(), x, xOffset, y, yOffset, rows);
        if (layer.bias() != null) {
            OPS.addRows(y, yOffset, layer.out(), rows, layer.bias(), 0);
        }
    }

    static void project(Linear layer, float[] x, float[] y, int rows) {
        project(layer, x, 0, y, 0, rows);
    }

    /** Dequantizes row {@code id} of the embedding table into {@code out[offset ..]}. */
    static void embeddingRow(Tensor table, int id, float[] out, int offset) {
        Dequantize.row(table, id, out, offset);
    }

    /** Splits fused rows {@code a.qkv [n][q | k | v]} into {@code a.q}, {@code a.k}, {@code a.v}. */
    void splitQkv(Activations a, int n) {
        int qd = c.queryDim();
        int kd = c.kvDim();
        int stride = qd + 2 * kd;
        for (int t = 0; t < n; t++) {
            System.arraycopy(a.qkv, t * stride, a.q, t * qd, qd);
            System.arraycopy(a.qkv, t * stride + qd, a.k, t * kd, kd);
            System.arraycopy(a.qkv, t * stride + qd + kd, a.v, t * kd, kd);
        }
    }

    /**
     * Causal self-attention of the batch: RoPE on {@code a.q} and {@code a.k} at the rows'
     * positions, K and V appended to the cache, then every query head attends to the cached rows it
     * may see (its KV head for GQA; the last {@code sliding_window} rows when phi-3 sets one) by
     * the session's {@link org.mlm4j.kernels.Attention}, output heads concatenated in {@code a.att}.
     * With {@code preScaledQuery} (phi-2, phi-3) Q is multiplied by 1/√head_dim before the product
     * and the softmax scale is 1, as llama.cpp does.
     *
     * <p>The batch goes to the cache's next slots ({@code kv.length() ..}) and the causal mask
     * works on slots: usually slot = position, but after {@link FastVPruning} a deeper layer's
     * cache holds only the kept positions, in position order, so "earlier slot" still means
     * "earlier position". Leaves the queries as they were used (roped, pre-scaled) in {@code a.q}
     * and the softmax scale in {@code a.queryScale}, which FastV reads.
     */
    void selfAttention(Activations a, int n, KvBuffer kv, boolean preScaledQuery) {
        ropeRows(a.q, c.queryDim(), c.headCount(), a, n);
        ropeRows(a.k, c.kvDim(), c.headCountKv(), a, n);
        float scale = (float) (1.0 / Math.sqrt(c.headDim()));
        if (preScaledQuery) {
            OPS.scale(a.q, 0, a.q, 0, n * c.queryDim(), scale);
            scale = 1f;
        }
        a.queryScale = scale;
        int slot = kv.length();
        kv.put(slot, a.k, 0, a.v, 0, c.kvDim(), n);
        a.attention.attend(a.q, 0, c.queryDim(), n, c.headCount(), slot, kv, mask, scale, a.att, 0, c.queryDim());
    }

    /** RoPE on rows {@code [n][stride]} at {@code a.positions}: one kernel call per run of consecutive positions. */
    private void ropeRows(float[] x, int stride, int heads, Activations a, int n) {
        for (int start = 0, end; start < n; start = end) {
            end = start + 1;
            while (end < n && a.positions[end] == a.positions[end - 1] + 1) {
                end++;
            }
            OPS.rope(rope, x, start * stride, stride, end - start, heads, a.positions[start]);
        }
    }

    /** {@code a.x += a.xb} over {@code n} rows. */
    static void addResidual(Activations a, float[] delta, int n) {
        OPS.add(a.x, 0, delta, 0, a.x, 0, n * (a.x.length / a.maxBatch));
    }
}
