package org.mlm4j.models.llm;

import org.mlm4j.tensor.Tensor;

/**
 * A linear layer {@code y = W x (+ b)} bound in place: {@code weight} is the mapped GGUF tensor
 * {@code [in, out]} in its own type, {@code bias} (optional, {@code null} when absent) the copied
 * {@code [out]} vector.
 */
public record Linear(Tensor weight, float[] bias) {

    public int in() {
        return weight.cols();
    }

    public int out() {
        return Math.toIntExact(weight.rows());
    }
}
