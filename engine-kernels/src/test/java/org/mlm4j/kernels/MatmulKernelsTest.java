package org.mlm4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.mlm4j.kernels.MatmulKernels.Numerics;
import org.mlm4j.tensor.Blocks;
import org.mlm4j.tensor.Dequantize;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.LittleEndian;
import org.mlm4j.tensor.Quantize;
import org.mlm4j.tensor.Tensor;

/**
 * Matmul over every weight type, awkward shapes and batches:
 * <ul>
 *   <li>the scalar kernel under FLOAT numerics equals dequantize-then-dot (tensor module's
 *       {@link Dequantize}), and under GGML numerics equals the straightforward ggml computation:
 *       dequantized weights · dequantized ggml activations ({@link GgmlQ8Reference}, the tensor
 *       module's Q8_K and fp16/bf16 conversions), with the Q8_1 offset term {@code m·s} as ggml forms it;</li>
 *   <li>the provider's kernel (SIMD when the module is present) equals the scalar kernel.</li>
 * </ul>
 * Errors are measured against {@code Σ|w·x|} of each output, the scale of float rounding in a sum.
 */
class MatmulKernelsTest {
    /** Float summation in a different order (lanes, tiles, FMA) over up to ~4k terms. */
    private static final double SUM_ORDER_TOLERANCE = 2e-6;
    /** Reference results are summed in double: what separates them from an F32 sum. */
    private static final double F32_SUM_TOLERANCE = 1e-5;

    private static final int DISTINCT_ROWS = 37;

    private static final GgmlType[] TYPES = {
            GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1,
            GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};

    record Shape(int rows, int cols, int batch) {
    }

    static List<Shape> shapes(GgmlType type) {
        int[] cols = switch (type.blockSize) {
            case 1 -> new int[] {1, 13, 33, 207, 4096 + 7};
            case 32 -> new int[] {32, 64, 256 + 32, 4096 + 256};
            default -> new int[] {256, 512, 4096 + 256};
        };
        // the batch-1 shapes after {4, 1} reach the decode kernels (F16, Q4_0, Q8_0) with vector
        // tails, partial 4-row tiles and pool chunks that end mid-tile; batches from 32 the
        // outer-product tiles with a partial tile of weight rows, last groups of 4, 3, 4, 1, 5 and 1
        // activation rows (of 6), (4096+7, 288, 4352 columns) several unpacked column ranges, and
        // (600 rows) pool chunks of several 64-row tiles, the last one partial; batch 257 the outer
        // tiles at 256 bits too
        int[][] rowsBatch = {{1, 1}, {13, 2}, {31, 3}, {33, 7}, {207, 16}, {4, 1}, {13, 1}, {33, 1}, {31, 1}, {7, 1},
                {65, 130}, {40, 129}, {70, 64}, {19, 67}, {5, 71}, {21, 37}, {600, 35}, {9, 257}};
        List<Shape> shapes = new ArrayList<>();
        for (int i = 0; i < rowsBatch.length; i++) {
            int c = cols[i % cols.length];
            int rows = c > 4096 ? Math.min(rowsBatch[i][0], 13) : rowsBatch[i][0];
            shapes.add(new Shape(rows, c, rowsBatch[i][1]));
        }
        return shapes;
    }

    static Stream<Arguments> cases() {
        return Stream.of(TYPES).flatMap(t -> shapes(t).stream().map(s -> Arguments.of(t, s)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void scalarKernelIsTheReferenceComputation(GgmlType type, Shape s) {
        Case c = Case.of(type, s);
        MatmulKernels scalar = KernelProvider.scalar().matmul();
        float[] plain = run(scalar, c.w, c.x, s, Numerics.FLOAT);
        assertCloseTo(plain, toFloats(reference(c.dense, c.x, s)), magnitudes(c.dense, c.x, s), F32_SUM_TOLERANCE);
        float[] ggml = run(scalar, c.w, c.x, s, Numerics.GGML);
        float[] xs = ggmlActivations(type, c.x);
        assertCloseTo(ggml, toFloats(ggmlReference(c.w, c.dense, c.x, s)), magnitudes(c.dense, xs, s), F32_SUM_TOLERANCE);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void providerKernelMatchesScalar(GgmlType type, Shape s) {
        MatmulKernels kernels = KernelProvider.get().matmul();
        assumeTrue(kernels != KernelProvider.scalar().matmul(), "no SIMD kernels in this JVM");
        Case c = Case.of(type, s);
        for (Numerics numerics : Numerics.values()) {
            float[] expected = run(KernelProvider.scalar().matmul(), c.w, c.x, s, numerics);
            float[] actual = run(kernels, c.w, c.x, s, numerics);
            float[] xs = numerics == Numerics.GGML ? ggmlActivations(type, c.x) : c.x;
            assertCloseTo(actual, expected, magnitudes(c.dense, xs, s), SUM_ORDER_TOLERANCE);
        }
    }

    /** Random weights (and their dequantized values) and activations of one case, made once per JVM. */
    record Case(Tensor w, float[] dense, float[] x) {
        private static final java.util.Map<String, Case> MADE = new java.util.concurrent.ConcurrentHashMap<>();

        static Case of(GgmlType type, Shape s) {
            return MADE.computeIfAbsent(type + " " + s, key -> {
                long seed = type.id * 1_000_003L + s.rows * 7919L + s.cols * 31L + s.batch;
                // 37 distinct rows (a prime, out of step with 4-row tiles) keep the K-quant reference
                // quantizers, the slow part of these tests, to a few hundred blocks.
                Tensor w = SyntheticWeights.gaussian(type, s.rows, s.cols, seed, DISTINCT_ROWS);
                return new Case(w, Dequantize.toFloatArray(w), SyntheticWeights.activations(s.batch, s.cols, seed + 1));
            });
        }
    }

    /**
     * Batch 1 runs the decode kernels (pairs of rows, an odd last row of a chunk repeated),
     * batch 3 the inner-product tiles, batch 131 the outer-product ones at 512 bits (with a partial
     * group of rows; at 600 rows in pool chunks of 3 tiles of 64 rows at one thread, 2 at two, the
     * last one partial), batch 257 at 256 bits too.
     */
    @ParameterizedTest(name = "{0} batch {1} rows {2}")
    @CsvSource({"Q4_0, 1, 207", "Q8_0, 1, 207", "Q4_K, 1, 207", "Q6_K, 1, 207", "Q4_0, 3, 207", "Q4_0, 131, 207",
            "Q4_0, 131, 600", "Q4_K, 257, 207"})
    void resultsDoNotDependOnTheThreadCount(GgmlType type, int batch, int rows) {
        Shape s = new Shape(rows, 4096 + 256, batch);
        Tensor w = SyntheticWeights.gaussian(type, s.rows, s.cols, 5, s.rows);
        float[] x = SyntheticWeights.activations(s.batch, s.cols, 6);
        int threads = Parallel.threads();
        try {
            Parallel.configure(1);
            float[] one = run(KernelProvider.get().matmul(), w, x, s, Numerics.GGML);
            Parallel.configure(2);
            float[] two = run(KernelProvider.get().matmul(), w, x, s, Numerics.GGML);
            assertThat(two).containsExactly(one);
        } finally {
            Parallel.configure(threads);
        }
    }

    @Test
    void writesOnlyItsOutputRangeAndReadsAtOffsets() {
        Shape s = new Shape(13, 64, 2);
        Tensor w = SyntheticWeights.gaussian(GgmlType.Q8_0, s.rows, s.cols, 7, s.rows);
        float[] x = SyntheticWeights.activations(s.batch, s.cols, 8);
        float[] padded = new float[x.length + 5];
        System.arraycopy(x, 0, padded, 5, x.length);
        float[] y = new float[s.rows * s.batch + 7];
        java.util.Arrays.fill(y, 42f);
        KernelProvider.get().matmul().matmul(w, padded, 5, y, 3, s.batch);
        float[] direct = run(KernelProvider.get().matmul(), w, x, s, Numerics.GGML);
        assertThat(java.util.Arrays.copyOfRange(y, 3, 3 + direct.length)).containsExactly(direct);
        assertThat(new float[] {y[0], y[1], y[2], y[y.length - 4], y[y.length - 1]}).containsOnly(42f);
    }

    /**
     * A GGUF aligns tensor data to 32 bytes, not to a cache line: the decode kernels, which read
     * whole cache lines ahead of their rows, give the same results for weights at any offset.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K", "F16"})
    void decodeReadsWeightsAtAnyAlignment(GgmlType type) {
        Tensor aligned = SyntheticWeights.gaussian(type, 13, 512, 12, 13);
        float[] x = SyntheticWeights.activations(1, 512, 13);
        float[] expected = run(KernelProvider.get().matmul(), aligned, x, new Shape(13, 512, 1), Numerics.GGML);
        long size = aligned.data().byteSize();
        for (int offset : new int[] {2, 18, 32, 63}) {
            MemorySegment holder = Arena.ofAuto().allocate(size + 64, 64);
            MemorySegment data = holder.asSlice(offset, size);
            data.copyFrom(aligned.data());
            Tensor shifted = new Tensor(aligned.name(), type, aligned.shape(), data);
            assertThat(run(KernelProvider.get().matmul(), shifted, x, new Shape(13, 512, 1), Numerics.GGML))
                    .as("weights at offset %d", offset).containsExactly(expected);
        }
    }

    @Test
    void fmaChainsPerformTheOperationsTheyCount() {
        for (MatmulKernels k : List.of(KernelProvider.scalar().matmul(), KernelProvider.get().matmul())) {
            float accumulators = (float) k.fmaChainsFlopsPerStep() / 2;
            assertThat(accumulators).isEqualTo(MatmulKernels.FMA_CHAINS * (accumulators / MatmulKernels.FMA_CHAINS));
            // acc = acc·1 + 1 counts the steps; acc = acc·0.5 + 1 settles at 2
            assertThat(k.fmaChains(1f, 1f, 1000)).isEqualTo(accumulators * 1001);
            assertThat(k.fmaChains(0.5f, 1f, 100)).isEqualTo(accumulators * 2);
        }
    }

    @Test
    void rejectsShortArraysAndTypesWithoutKernels() {
        Tensor w = SyntheticWeights.gaussian(GgmlType.Q4_0, 4, 64, 9, 4);
        MatmulKernels k = KernelProvider.get().matmul();
        assertThatThrownBy(() -> k.matmul(w, new float[63], 0, new float[4], 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x holds 63");
        assertThatThrownBy(() -> k.matmul(w, new float[64], 0, new float[3], 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("y holds 3");
        Tensor iq = new Tensor("iq", GgmlType.IQ4_NL, new long[] {32, 1}, MemorySegment.ofArray(new byte[18]));
        assertThatThrownBy(() -> k.matmul(iq, new float[32], 0, new float[1], 0, 1))
                .hasMessageContaining("iq4_nl");
    }

    // --- references ---

    private static float[] run(MatmulKernels k, Tensor w, float[] x, Shape s, Numerics numerics) {
        float[] y = new float[s.rows * s.batch];
        k.matmul(w, x, 0, y, 0, s.batch, numerics);
        return y;
    }

    /** Σ_k w[r][k]·x[b][k] in double. */
    private static double[] reference(float[] w, float[] x, Shape s) {
        double[] y = new double[s.rows * s.batch];
        for (int b = 0; b < s.batch; b++) {
            for (int r = 0; r < s.rows; r++) {
                double sum = 0;
                for (int k = 0; k < s.cols; k++) {
                    sum += (double) w[r * s.cols + k] * x[b * s.cols + k];
                }
                y[b * s.rows + r] = sum;
            }
        }
        return y;
    }

    /** The activations as ggml's vec_dot_type holds them, widened to float by the tensor module. */
    private static float[] ggmlActivations(GgmlType type, float[] x) {
        GgmlType dotType = switch (Activations.formatFor(type, Numerics.GGML)) {
            case F32 -> GgmlType.F32;
            case F16 -> GgmlType.F16;
            case BF16 -> GgmlType.BF16;
            case Q8_0 -> GgmlType.Q8_0;
            case Q8_1 -> GgmlType.Q8_1;
            case Q8_K -> GgmlType.Q8_K;
        };
        if (dotType == GgmlType.Q8_0 || dotType == GgmlType.Q8_1) {
            return GgmlQ8Reference.quantize(x).dequantized();
        }
        byte[] bytes = Quantize.toBytes(dotType, x, 0, x.length);
        float[] out = new float[x.length];
        Dequantize.row(dotType, MemorySegment.ofArray(bytes), 0, out, 0, x.length);
        return out;
    }

    /**
     * ggml's result: dequantized weights · dequantized activations; for Q4_1/Q5_1 the offset m of
     * each weight block enters as {@code m·s} with ggml's fp16 sum {@code s} of the Q8_1 block.
     */
    private static double[] ggmlReference(Tensor w, float[] dense, float[] x, Shape s) {
        float[] xs = ggmlActivations(w.type(), x);
        if (w.type() != GgmlType.Q4_1 && w.type() != GgmlType.Q5_1) {
            return reference(dense, xs, s);
        }
        float[] sums = GgmlQ8Reference.quantize(x).s;
        int blocks = s.cols / 32;
        double[] y = new double[s.rows * s.batch];
        for (int b = 0; b < s.batch; b++) {
            for (int r = 0; r < s.rows; r++) {
                double sum = 0;
                for (int i = 0; i < blocks; i++) {
                    long at = (r * (long) blocks + i) * w.type().typeSize;
                    float m = LittleEndian.f16(w.data(), at + (w.type() == GgmlType.Q4_1 ? Blocks.Q4_1.M : Blocks.Q5_1.M));
                    float sx = sums[b * blocks + i];
                    for (int k = 32 * i; k < 32 * i + 32; k++) {
                        sum += ((double) dense[r * s.cols + k] - m) * xs[b * s.cols + k];
                    }
                    sum += (double) m * sx;
                }
                y[b * s.rows + r] = sum;
            }
        }
        return y;
    }

    /** Σ_k |w[r][k]·x[b][k]|: the scale of the rounding error of each output. */
    private static double[] magnitudes(float[] w, float[] x, Shape s) {
        float[] wa = w.clone();
        float[] xa = x.clone();
        for (int i = 0; i < wa.length; i++) {
            wa[i] = Math.abs(wa[i]);
        }
        for (int i = 0; i < xa.length; i++) {
            xa[i] = Math.abs(xa[i]);
        }
        return reference(wa, xa, s);
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    private static void assertCloseTo(float[] actual, float[] expected, double[] scale, double tolerance) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            double err = Math.abs((double) actual[i] - expected[i]);
            double bound = tolerance * scale[i] + 1e-30;
            if (!(err <= bound)) {
                throw new AssertionError("output " + i + ": " + actual[i] + " vs " + expected[i]
                        + " (error " + err + " > " + bound + ")");
            }
        }
    }
}
