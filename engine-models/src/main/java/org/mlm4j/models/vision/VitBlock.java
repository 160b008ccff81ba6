package org.mlm4j.models.vision;

import org.mlm4j.kernels.Attention;
import org.mlm4j.kernels.AttentionMask;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.KvBuffer;
import org.mlm4j.kernels.OpsKernels;

/**
 * One pre-LN CLIP encoder layer over all tokens at once:
 * {@code x += Wo·attn(LN1 x)}, {@code x += fc2(act(fc1(LN2 x)))}, attention without a mask, heads
 * contiguous slices of the hidden vector, q scaled by {@code 1/√d_head} (HF {@code CLIPEncoderLayer};
 * clip.cpp names fc1 {@code ffn_down} and fc2 {@code ffn_up}).
 */
final class VitBlock {
    private final LayerNorm ln1;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear out;
    private final LayerNorm ln2;
    private final Linear fc1;
    private final Linear fc2;
    private final int heads;
    private final Activation activation;
    private final VisionNumerics numerics;
    /** Exact, or the approximation {@code --vision-attention} chose (docs/attention.md). */
    private final Attention attention;

    VitBlock(MmprojTensors t, int index, ClipConfig c, Activation activation, VisionNumerics numerics,
             Attention attention) {
        this.attention = attention;
        String p = "v.blk." + index + ".";
        int h = c.hidden();
        this.ln1 = t.layerNorm(p + "ln1", h, c.layerNormEps());
        this.q = t.linear(p + "attn_q", h, h, false);
        this.k = t.linear(p + "attn_k", h, h, false);
        this.v = t.linear(p + "attn_v", h, h, false);
        this.out = t.linear(p + "attn_out", h, h, false);
        this.ln2 = t.layerNorm(p + "ln2", h, c.layerNormEps());
        this.fc1 = t.linear(p + "ffn_down", h, c.feedForward(), false);
        this.fc2 = t.linear(p + "ffn_up", c.feedForward(), h, false);
        this.heads = c.heads();
        this.activation = activation;
        this.numerics = numerics;
    }

    /** Updates the {@code n} token rows of {@code x} in place; {@code s} is scratch sized for them. */
    void forward(float[] x, int n, Scratch s) {
        OpsKernels ops = KernelProvider.get().ops();
        int hidden = ln1.weight().length;
        int headDim = hidden / heads;

        ln1.apply(x, s.normed, n);
        q.apply(s.normed, n, s.q, numerics.matmul());
        k.apply(s.normed, n, s.k, numerics.matmul());
        v.apply(s.normed, n, s.v, numerics.matmul());
        ops.scale(s.q, 0, s.q, 0, n * hidden, (float) (1 / Math.sqrt(headDim)));
        KvBuffer kv = KvBuffer.wrap(s.k, 0, s.v, 0, hidden, n, heads, headDim);
        attention.attend(s.q, 0, hidden, n, heads, 0, kv, AttentionMask.NONE, 1f, s.attended, 0, hidden);
        out.apply(s.attended, n, s.normed, numerics.matmul());
        ops.add(x, 0, s.normed, 0, x, 0, n * hidden);

        ln2.apply(x, s.normed, n);
        fc1.apply(s.normed, n, s.wide, numerics.matmul());
        activation.apply(s.wide, n * fc1.out());
        fc2.apply(s.wide, n, s.normed, numerics.matmul());
        ops.add(x, 0, s.normed, 0, x, 0, n * hidden);
    }

    /** Activation buffers for one forward pass, shared by all blocks. */
    static final class Scratch {
        final float[] normed;
        final float[] q;
        final float[] k;
        final float[] v;
        final float[] attended;
        final float[] wide;

        Scratch(int tokens, int hidden, int feedForward) {
            int n = Math.multiplyExact(tokens, hidden);
            normed = new float[n];
            q = new float[n];
            k = new float[n];
            v = new float[n];
            attended = new float[n];
            wide = new float[Math.multiplyExact(tokens, feedForward)];
        }
    }
}
