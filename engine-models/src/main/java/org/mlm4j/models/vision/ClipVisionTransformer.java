package org.mlm4j.models.vision;

import org.mlm4j.kernels.Attention;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.OpsKernels;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The CLIP vision tower (HF {@code CLIPVisionTransformer}, clip.cpp's graph): P×P patch embedding,
 * CLS token, position embeddings, pre-LayerNorm, the encoder blocks, then the CLS token dropped.
 * Every step runs on all tokens at once through the matrix-matrix kernels.
 */
final class ClipVisionTransformer {
    private final ClipConfig config;
    private final VisionNumerics numerics;
    private final Tensor patchKernel;
    private final float[] patchBias;
    private final float[] classEmbedding;
    private final float[] positions;
    private final LayerNorm preLn;
    private final LayerNorm postLn;
    private final List<VitBlock> blocks = new ArrayList<>();

    ClipVisionTransformer(MmprojTensors t, ClipConfig c, VisionNumerics numerics, Attention attention) {
        this.config = c;
        this.numerics = numerics;
        int h = c.hidden();
        int p = c.patchSize();
        Tensor conv = t.tensor("v.patch_embd.weight", p, p, 3, h);
        this.patchKernel = new Tensor(conv.name(), conv.type(), new long[] {3L * p * p, h}, conv.data());
        this.patchBias = t.optionalFloats("v.patch_embd.bias", h);
        this.classEmbedding = t.optionalFloats("v.class_embd", h);
        this.positions = t.floats("v.position_embd.weight", h, tokens());
        this.preLn = t.has("v.pre_ln.weight") ? t.layerNorm("v.pre_ln", h, c.layerNormEps()) : null;
        this.postLn = numerics.postLayerNorm() && t.has("v.post_ln.weight") ? t.layerNorm("v.post_ln", h, c.layerNormEps()) : null;
        int run = numerics.blocksToRun(c.blockCount());
        if (run < 1) {
            throw new IllegalArgumentException("mmproj: clip.vision.block_count " + c.blockCount() + " leaves no block to run");
        }
        Activation act = c.useGelu() ? numerics.vitGelu() : numerics.vitQuickGelu();
        for (int i = 0; i < run; i++) {
            blocks.add(new VitBlock(t, i, c, act, numerics, attention));
        }
    }

    /**
     * Floating-point operations (2 per multiply-add) of one image's matrix products and attention:
     * the patch embedding, then per block the q, k, v, output and two MLP products and the scores
     * and weighted sums over all token pairs. The rest (norms, activations) is O(tokens · hidden).
     */
    long flops() {
        long n = tokens(), h = config.hidden(), p = config.patchSize();
        long patchEmbedding = 2L * config.patchCount() * 3 * p * p * h;
        long perBlock = 2 * n * (4 * h * h + 2 * h * config.feedForward()) + 4 * n * n * h;
        return patchEmbedding + blocks.size() * perBlock;
    }

    /** Tokens inside the tower: one per patch, plus CLS when the file has a class embedding. */
    int tokens() {
        return config.patchCount() + (classEmbedding != null ? 1 : 0);
    }

    /** Patch features {@code [G²][H]} (token = py·G + px) of a normalised HWC image {@code [S][S][3]}. */
    float[] encode(float[] hwc) {
        OpsKernels ops = KernelProvider.get().ops();
        int s = config.imageSize();
        int h = config.hidden();
        int n = tokens();
        int first = n - config.patchCount();
        if (hwc.length != 3 * s * s) {
            throw new IllegalArgumentException("vision encoder: expected a " + s + "x" + s + "x3 image, got " + hwc.length + " values");
        }
        float[] planar = toPlanar(hwc, s);
        float[] columns = new float[config.patchCount() * patchKernel.cols()];
        boolean roundPixels = numerics.f16Im2col() && patchKernel.type() == GgmlType.F16;
        ops.im2colPatches(planar, 0, 3, s, s, config.patchSize(), roundPixels, columns, 0);

        float[] x = new float[n * h];
        KernelProvider.get().matmul().matmul(patchKernel, columns, 0, x, first * h, config.patchCount(), numerics.matmul());
        if (patchBias != null) {
            ops.addRows(x, first * h, h, config.patchCount(), patchBias, 0);
        }
        if (classEmbedding != null) {
            System.arraycopy(classEmbedding, 0, x, 0, h);
        }
        ops.add(x, 0, positions, 0, x, 0, n * h);
        if (preLn != null) {
            preLn.apply(x, x, n);
        }
        VitBlock.Scratch scratch = new VitBlock.Scratch(n, h, config.feedForward());
        for (VitBlock block : blocks) {
            block.forward(x, n, scratch);
        }
        if (postLn != null) {
            postLn.apply(x, x, n);
        }
        return Arrays.copyOfRange(x, first * h, n * h);
    }

    /** HWC (as preprocessed) to CHW (as the convolution reads it). */
    private static float[] toPlanar(float[] hwc, int s) {
        float[] chw = new float[hwc.length];
        for (int p = 0; p < s * s; p++) {
            for (int c = 0; c < 3; c++) {
                chw[c * s * s + p] = hwc[p * 3 + c];
            }
        }
        return chw;
    }
}
