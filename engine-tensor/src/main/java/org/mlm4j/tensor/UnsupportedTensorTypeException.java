package org.mlm4j.tensor;

/** A tensor's type is known to ggml but mlm4j has no kernels for it. */
public final class UnsupportedTensorTypeException extends RuntimeException {
    public UnsupportedTensorTypeException(String message) {
        super(message);
    }
}
