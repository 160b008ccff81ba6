package org.mlm4j.models.vision;

import org.mlm4j.gguf.GgufFile;
import org.mlm4j.tensor.Dequantize;
import org.mlm4j.tensor.Tensor;

import java.util.Arrays;

/**
 * Looks up the tensors of an mmproj file by name and checks each against the shape the model
 * needs, so a missing or mis-shaped tensor fails at load with its name, never later in a kernel.
 * Shapes are given in ggml order ({@code [in, out]} for a linear layer).
 */
final class MmprojTensors {
    private final GgufFile file;

    MmprojTensors(GgufFile file) {
        this.file = file;
    }

    boolean has(String name) {
        return file.hasTensor(name);
    }

    /** The tensor, read in place, after checking its shape and that kernels exist for its type. */
    Tensor tensor(String name, long... shape) {
        if (!file.hasTensor(name)) {
            throw new IllegalArgumentException("mmproj: missing tensor '" + name + "'");
        }
        Tensor t = file.tensor(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("mmproj: tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        t.type().requireComputable("mmproj tensor '" + name + "'");
        return t;
    }

    /** A small tensor's values as floats: norms, biases, embeddings, convolution kernels. */
    float[] floats(String name, long... shape) {
        return Dequantize.toFloatArray(tensor(name, shape));
    }

    /**
     * A depthwise 3×3 kernel {@code [C][3][3]}: stored squeezed, ggml {@code [3, 3, C]}, or as PyTorch's
     * {@code (C, 1, 3, 3)}, ggml {@code [3, 3, 1, C]} (clip.cpp reshapes either the same way).
     */
    float[] depthwiseKernel(String name, int channels) {
        boolean unsqueezed = has(name) && file.tensor(name).rank() == 4;
        return unsqueezed ? floats(name, 3, 3, 1, channels) : floats(name, 3, 3, channels);
    }

    /** {@link #floats}, or null when the file does not hold the tensor. */
    float[] optionalFloats(String name, long... shape) {
        return has(name) ? floats(name, shape) : null;
    }

    /** A linear layer {@code in → out} from {@code prefix.weight} and, when stored or required, {@code prefix.bias}. */
    Linear linear(String prefix, int in, int out, boolean biasRequired) {
        String bias = prefix + ".bias";
        return new Linear(tensor(prefix + ".weight", in, out),
                biasRequired || has(bias) ? floats(bias, out) : null);
    }

    LayerNorm layerNorm(String prefix, int n, float eps) {
        return new LayerNorm(floats(prefix + ".weight", n), floats(prefix + ".bias", n), eps);
    }

    /** ne[i] of a stored tensor: reads a layer's size from its weights. */
    int dim(String name, int i) {
        if (!file.hasTensor(name)) {
            throw new IllegalArgumentException("mmproj: missing tensor '" + name + "'");
        }
        return Math.toIntExact(file.tensor(name).ne(i));
    }
}
