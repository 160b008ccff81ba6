package org.mlm4j.models.vision;

import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.OpsKernels;

/** The element-wise activations of the ViT MLP and the projectors, each one kernel call. */
enum Activation {
    /** PyTorch {@code nn.GELU()}: {@code x·Φ(x)} with the exact erf. */
    GELU_ERF,
    /** ggml {@code gelu}: the tanh approximation through ggml's fp16 table. */
    GELU_GGML,
    /** OpenAI CLIP's {@code x·σ(1.702x)} in float. */
    QUICK_GELU,
    /** ggml {@code gelu_quick}: {@code x·σ(1.702x)} through ggml's fp16 table. */
    QUICK_GELU_GGML;

    /** In place over {@code n} floats. */
    void apply(float[] x, int n) {
        OpsKernels ops = KernelProvider.get().ops();
        switch (this) {
            case GELU_ERF -> ops.geluErf(x, 0, x, 0, n);
            case GELU_GGML -> ops.gelu(x, 0, x, 0, n);
            case QUICK_GELU -> ops.quickGeluExact(x, 0, x, 0, n);
            case QUICK_GELU_GGML -> ops.quickGelu(x, 0, x, 0, n);
        }
    }
}
