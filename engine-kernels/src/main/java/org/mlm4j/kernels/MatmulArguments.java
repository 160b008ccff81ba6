package org.mlm4j.kernels;

import org.mlm4j.tensor.Tensor;

/** The argument checks every {@link MatmulKernels} implementation makes before reading anything. */
public final class MatmulArguments {
    private MatmulArguments() {
    }

    /**
     * Throws {@link IllegalArgumentException} with a one-line reason unless {@code w} is a
     * computable weight matrix and {@code x}, {@code y} hold {@code batch} rows of {@code cols}
     * and {@code rows} floats at their offsets.
     */
    public static void check(Tensor w, float[] x, int xOffset, float[] y, int yOffset, int batch) {
        w.type().requireComputable("matmul weight " + w.name());
        if (w.type() == org.mlm4j.tensor.GgmlType.Q8_K) {
            throw new IllegalArgumentException("matmul weight " + w.name() + ": q8_K is an activation type, not a weight type");
        }
        if (batch < 0) {
            throw new IllegalArgumentException("batch must not be negative, got " + batch);
        }
        long cols = w.cols();
        long rows = w.rows();
        if (rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("matmul weight " + w + " has too many rows");
        }
        if (xOffset < 0 || xOffset + cols * batch > x.length) {
            throw new IllegalArgumentException("matmul " + w + ": x holds " + x.length + " floats, needs "
                    + batch + " rows of " + cols + " from offset " + xOffset);
        }
        if (yOffset < 0 || yOffset + rows * batch > y.length) {
            throw new IllegalArgumentException("matmul " + w + ": y holds " + y.length + " floats, needs "
                    + batch + " rows of " + rows + " from offset " + yOffset);
        }
    }
}
