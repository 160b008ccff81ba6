package org.mlm4j.models.vision;

import org.mlm4j.kernels.MatmulKernels;
import org.mlm4j.models.vision.image.VisionPreset;

/**
 * What a {@link VisionPreset} means for the encoder and projectors (README "Vision presets";
 * oracle/PYTORCH-PRESET.md and NUMERICS.md Part B §3–5).
 *
 * @param matmul            GGML: F16 weights take fp16-rounded activations, quantized weights
 *                          Q8_0-quantized ones; FLOAT: activations stay float
 * @param skipLastBlock     clip.cpp runs {@code block_count − 1} of the stored ViT blocks
 * @param vitGelu           the ViT MLP activation when {@code clip.use_gelu} is true
 * @param vitQuickGelu      the ViT MLP activation when it is false
 * @param projectorGelu     the activation inside the projectors' MLP
 * @param f16Im2col         round convolution inputs to fp16 where ggml builds an F16 im2col
 *                          (patch embedding with an F16 kernel, every depthwise convolution)
 * @param postLayerNorm     apply {@code v.post_ln} when the file has it
 * @param ldpEps            LayerNorm eps inside LDP blocks; NaN: the file's {@code layer_norm_epsilon}
 */
record VisionNumerics(
        MatmulKernels.Numerics matmul,
        boolean skipLastBlock,
        Activation vitGelu,
        Activation vitQuickGelu,
        Activation projectorGelu,
        boolean f16Im2col,
        boolean postLayerNorm,
        float ldpEps) {

    static VisionNumerics of(VisionPreset preset) {
        return switch (preset) {
            case PYTORCH -> new VisionNumerics(MatmulKernels.Numerics.FLOAT, false, Activation.GELU_ERF,
                    Activation.QUICK_GELU, Activation.GELU_ERF, false, false, 1e-5f);
            case LLAMACPP -> new VisionNumerics(MatmulKernels.Numerics.GGML, true, Activation.GELU_GGML,
                    Activation.QUICK_GELU_GGML, Activation.GELU_GGML, true, true, Float.NaN);
        };
    }

    int blocksToRun(int stored) {
        return skipLastBlock ? stored - 1 : stored;
    }
}
