package org.mlm4j.kernels;

/**
 * Row and element-wise operations on float rows (norms, activations, RoPE, convolutions,
 * pooling). Each method states the layout it expects and the ggml op it matches.
 */
public interface OpsKernels {
}
