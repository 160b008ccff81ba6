package org.mlm4j.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Quantize;
import org.mlm4j.tensor.Tensor;

/**
 * Random weight matrices for tests and benchmarks: Gaussian values quantized with ggml's reference
 * quantizers ({@link Quantize}) into off-heap memory, laid out as a GGUF tensor would be.
 */
public final class SyntheticWeights {
    private SyntheticWeights() {
    }

    /**
     * A {@code [cols, rows]} tensor of {@code type} with N(0, 1/cols) values. Only the first
     * {@code distinctRows} rows are quantized; later rows repeat them, which keeps building
     * large benchmark matrices quick (caches see addresses, not contents).
     */
    public static Tensor gaussian(GgmlType type, int rows, int cols, long seed, int distinctRows) {
        SplittableRandom random = new SplittableRandom(seed);
        long rowBytes = type.byteSize(cols);
        MemorySegment data = Arena.ofAuto().allocate(rowBytes * rows, 64);
        float[] row = new float[cols];
        float sigma = (float) (1 / Math.sqrt(cols));
        int distinct = Math.max(1, Math.min(rows, distinctRows));
        for (int r = 0; r < distinct; r++) {
            for (int k = 0; k < cols; k++) {
                row[k] = (float) (random.nextGaussian() * sigma);
            }
            Quantize.row(type, row, 0, cols, data, r * rowBytes);
        }
        for (int r = distinct; r < rows; r += distinct) {
            long n = Math.min(distinct, rows - r);
            MemorySegment.copy(data, 0, data, r * rowBytes, n * rowBytes);
        }
        return new Tensor(type.ggmlName() + "[" + cols + "x" + rows + "]", type, new long[] {cols, rows}, data);
    }

    /** {@code batch} rows of {@code cols} N(0, 1) activations. */
    public static float[] activations(int batch, int cols, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[batch * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
