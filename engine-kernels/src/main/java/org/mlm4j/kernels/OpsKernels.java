package org.mlm4j.kernels;

import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Tensor;

/**
 * Row and element-wise operations on float rows: norms, softmax, activations, RoPE, the small
 * convolutions and pooling of the vision projectors, Mamba's causal convolution and F16/BF16
 * conversion. Each method states the layout it expects and the ggml op it matches; the numerics
 * follow {@code testdata/oracle/NUMERICS.md}.
 *
 * <p>Conventions: arrays are addressed as {@code (array, offset)}; "rows" are consecutive runs of
 * {@code n} floats. Unless a method says otherwise the output may be the input itself (same array
 * and offset: in place), but must not overlap it in any other way. Nothing else is modified.
 */
public interface OpsKernels {

    // ---------------------------------------------------------------- norms

    /**
     * RMSNorm of {@code rows} rows of {@code n}: {@code y = x · (1/sqrtf(mean + eps)) · w} with
     * {@code mean = (float)(Σx² / n)}, the sum taken in double (ggml {@code rms_norm} followed by
     * {@code mul} with the weight). {@code weight} ({@code n} floats) may be null: no scaling.
     */
    void rmsNorm(float[] x, int xOffset, float[] y, int yOffset, int n, int rows, float[] weight, float eps);

    /**
     * LayerNorm of {@code rows} rows of {@code n}: mean and biased variance of {@code x − mean}
     * summed in double, {@code y = (x − mean) · (1/sqrtf(var + eps)) · w + b} (ggml {@code norm},
     * then {@code mul}, {@code add}). {@code weight} and {@code bias} ({@code n} floats) may be null.
     */
    void layerNorm(float[] x, int xOffset, float[] y, int yOffset, int n, int rows,
                   float[] weight, float[] bias, float eps);

    /**
     * LayerNorm over the channels of every pixel of a channel-major image {@code [channels][pixels]}
     * (LDP's {@code LayerNorm} after a depthwise convolution; ggml {@code norm} on the permuted
     * tensor): for each pixel, mean and variance over the {@code channels} values at stride
     * {@code pixels}, as {@link #layerNorm}. Output in the same layout.
     */
    void channelLayerNorm(float[] x, int xOffset, float[] y, int yOffset, int channels, int pixels,
                          float[] weight, float[] bias, float eps);

    // ---------------------------------------------------------------- softmax

    /**
     * In-place softmax of {@code rows} rows of {@code n}: {@code v = scale·x + mask}, then
     * {@code exp(v − max)} normalised by its sum, the sum taken in double and applied as
     * {@code (float)(1/sum)} (ggml {@code soft_max_ext}). {@code mask} holds {@code rows} rows of
     * {@code n} floats from {@code maskOffset} (−∞ excludes a column), or is null.
     */
    void softmax(float[] x, int xOffset, int n, int rows, float scale, float[] mask, int maskOffset);

    /**
     * In-place causal softmax: as {@link #softmax} with a mask that lets row {@code r} see columns
     * {@code 0 … firstPosition + r} only; the other columns become 0.
     */
    void softmaxCausal(float[] x, int xOffset, int n, int rows, float scale, int firstPosition);

    // ---------------------------------------------------------------- activations (y = f(x), n values)

    /**
     * GELU as ggml computes it: through an fp16 lookup table, {@code y = fp32(table[fp16(x)])} for
     * −10 < x < 10, 0 for x ≤ −10 and x for x ≥ 10, where {@code table[h] = fp16(geluTanh(fp32(h)))}
     * (ggml {@code gelu}, phi-2 MLP, ViT with {@code use_gelu}, LDP/MLP projectors).
     */
    void gelu(float[] x, int xOffset, float[] y, int yOffset, int n);

    /** GELU, tanh approximation in float: {@code 0.5x(1 + tanh(√(2/π)·x·(1 + 0.044715x²)))}. */
    void geluTanh(float[] x, int xOffset, float[] y, int yOffset, int n);

    /** GELU with the exact erf: {@code 0.5x(1 + erf(x/√2))} (PyTorch {@code nn.GELU()}). */
    void geluErf(float[] x, int xOffset, float[] y, int yOffset, int n);

    /**
     * Quick-GELU as ggml computes it: {@code y = fp32(table[fp16(x)])} with
     * {@code table[h] = fp16(h·σ(1.702h))} for every x (ggml {@code gelu_quick}; CLIP ViT-L/14).
     */
    void quickGelu(float[] x, int xOffset, float[] y, int yOffset, int n);

    /** Quick-GELU in float, {@code x·σ(1.702x)} (the PyTorch CLIP {@code QuickGELUActivation}). */
    void quickGeluExact(float[] x, int xOffset, float[] y, int yOffset, int n);

    /** SiLU {@code x/(1 + e^−x)} (ggml {@code silu}; ggml's own exp agrees to float tolerance). */
    void silu(float[] x, int xOffset, float[] y, int yOffset, int n);

    /** SwiGLU {@code y = silu(gate) · up} (ggml {@code swiglu}; llama/phi-3 FFN, Mamba's gate). */
    void swiglu(float[] gate, int gateOffset, float[] up, int upOffset, float[] y, int yOffset, int n);

    /** ReLU {@code max(x, 0)}. */
    void relu(float[] x, int xOffset, float[] y, int yOffset, int n);

    /** Hard-swish {@code x · min(max((x + 3)/6, 0), 1)} (ggml {@code hardswish}). */
    void hardswish(float[] x, int xOffset, float[] y, int yOffset, int n);

    /** Hard-sigmoid {@code min(max((x + 3)/6, 0), 1)} (ggml {@code hardsigmoid}). */
    void hardsigmoid(float[] x, int xOffset, float[] y, int yOffset, int n);

    // ---------------------------------------------------------------- arithmetic

    /** {@code y = a + b} over {@code n} values. */
    void add(float[] a, int aOffset, float[] b, int bOffset, float[] y, int yOffset, int n);

    /** {@code y = a · b} element-wise over {@code n} values. */
    void mul(float[] a, int aOffset, float[] b, int bOffset, float[] y, int yOffset, int n);

    /** {@code y = s · x} over {@code n} values. */
    void scale(float[] x, int xOffset, float[] y, int yOffset, int n, float s);

    /**
     * Broadcast add of one row to each of {@code rows} rows of {@code n}, in place:
     * {@code x[r][i] += b[i]} (a linear layer's bias over a batch; ggml {@code add} with broadcast).
     */
    void addRows(float[] x, int xOffset, int n, int rows, float[] b, int bOffset);

    // ---------------------------------------------------------------- RoPE

    /**
     * Rotary position embedding in place (ggml {@code rope_ext}, {@code ext_factor = 0},
     * {@code attn_factor = 1}). {@code x} holds {@code nTokens} rows at stride {@code rowStride},
     * each starting with {@code nHeads} heads of {@code rope.headDim()} floats; token t is at
     * absolute position {@code firstPosition + t}. Angles, pair layout and partial rotary are
     * {@link Rope}'s; the dims past {@code rope.nRot()} pass through unchanged.
     */
    void rope(Rope rope, float[] x, int xOffset, int rowStride, int nTokens, int nHeads, int firstPosition);

    // ---------------------------------------------------------------- convolutions and pooling

    /**
     * The im2col of a patch-embedding convolution (Conv2d C→H, kernel P, stride P, no padding):
     * from a planar image {@code [channels][height][width]} writes one row per patch, patches in
     * row-major grid order (token = py·(width/P) + px), each row {@code channels·P·P} values in
     * ggml's kernel order {@code (c, ky, kx)}. With {@code roundToF16} each value is rounded to
     * fp16 (ggml's im2col builds an F16 matrix when the kernel is F16).
     */
    void im2colPatches(float[] image, int imageOffset, int channels, int height, int width, int patch,
                       boolean roundToF16, float[] out, int outOffset);

    /**
     * Patch embedding {@code out[token][h] = Σ_{c,ky,kx} W[h][c][ky][kx] · image[c][py·P+ky][px·P+kx]}
     * as ggml computes {@code conv_2d} with stride = kernel = P: {@link #im2colPatches} (rounded to
     * fp16 for an F16 kernel), then {@code matmul} with the weight ggml {@code [P, P, C, H]}
     * (PyTorch {@code (H, C, P, P)}) viewed as {@code [C·P·P, H]}. Writes {@code (H/P)·(W/P)} rows of
     * H floats; no bias.
     */
    default void patchEmbedding(Tensor weight, float[] image, int imageOffset, int height, int width,
                                MatmulKernels matmul, float[] out, int outOffset) {
        int patch = Math.toIntExact(weight.ne(0));
        int channels = Math.toIntExact(weight.ne(2));
        if (weight.ne(1) != patch || height % patch != 0 || width % patch != 0) {
            throw new IllegalArgumentException("patch embedding: kernel " + weight + " does not tile a "
                    + width + "x" + height + " image");
        }
        int patches = (height / patch) * (width / patch);
        int k = channels * patch * patch;
        float[] cols = new float[Math.multiplyExact(patches, k)];
        im2colPatches(image, imageOffset, channels, height, width, patch, weight.type() == GgmlType.F16, cols, 0);
        Tensor matrix = new Tensor(weight.name(), weight.type(), new long[] {k, weight.ne(3)}, weight.data());
        matmul.matmul(matrix, cols, 0, out, outOffset, patches);
    }

    /**
     * Depthwise 3×3 convolution with zero padding 1 and stride 1 or 2 (ggml {@code conv_2d_dw};
     * LDP/LDPv2/PEG). Input and output channel-major {@code [channels][height][width]} and
     * {@code [channels][oh][ow]}, {@code oh = (height − 1)/stride + 1} (same for width); kernel
     * {@code [channels][3][3]} (ggml {@code [3, 3, C]}). Each output is the 9 products summed in
     * double and rounded once, as ggml's F16 dot of a 9-long row. With {@code roundToF16} input and
     * kernel are first rounded to fp16 (ggml builds an F16 im2col for its F16 kernel); without, the
     * F32 convolution. {@code bias} ({@code channels}) may be null. The output must not overlap the input.
     */
    void depthwiseConv3x3(float[] x, int xOffset, int channels, int height, int width, int stride,
                          float[] kernel, float[] bias, boolean roundToF16, float[] y, int yOffset);

    /**
     * 2×2 average pooling, stride 2, no padding, over {@code [channels][height][width]} into
     * {@code [channels][height/2][width/2]} (ggml {@code pool_2d} AVG: the 4 values summed in float
     * row by row, then divided by 4). The output must not overlap the input.
     */
    void avgPool2x2(float[] x, int xOffset, int channels, int height, int width, float[] y, int yOffset);

    /**
     * Mamba's causal depthwise 1-D convolution with a rolling state (ggml {@code ssm_conv}).
     * {@code x}: {@code nTokens} rows of {@code channels} (token-major, as the in-projection makes
     * them); {@code state}: {@code channels} rows of {@code kernelSize − 1} previous inputs, oldest
     * first (ggml {@code conv_states}); {@code weight}: {@code channels} rows of {@code kernelSize}
     * taps, oldest first. For every token and channel, {@code y = Σ_i window[i]·weight[i]} in float
     * in tap order, window = the last {@code kernelSize} inputs; plus {@code bias[c]} when non-null.
     * {@code y} is token-major like {@code x} (may be {@code x} in place); {@code state} is updated
     * to the last {@code kernelSize − 1} inputs.
     */
    void causalConv1d(float[] x, int xOffset, int nTokens, int channels, float[] state, int stateOffset,
                      float[] weight, int weightOffset, int kernelSize, float[] bias, float[] y, int yOffset);

    // ---------------------------------------------------------------- F16 / BF16 rows

    /** fp16 bits of {@code n} floats, round to nearest even (F16C, ggml {@code cpy} f32→f16). */
    void toF16(float[] x, int xOffset, short[] y, int yOffset, int n);

    /** Floats of {@code n} fp16 values (exact). */
    void fromF16(short[] x, int xOffset, float[] y, int yOffset, int n);

    /** {@code y = fp32(fp16(x))}: the rounding ggml applies when a float enters an F16 operand. */
    void roundToF16(float[] x, int xOffset, float[] y, int yOffset, int n);

    /** bf16 bits of {@code n} floats, round to nearest even, NaN kept quiet (ggml {@code fp32_to_bf16}). */
    void toBF16(float[] x, int xOffset, short[] y, int yOffset, int n);

    /** Floats of {@code n} bf16 values (exact). */
    void fromBF16(short[] x, int xOffset, float[] y, int yOffset, int n);
}
