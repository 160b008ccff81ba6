package org.mlm4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every op of the chosen provider (the Vector API kernels when the module is present) against its
 * scalar twin over awkward sizes. Element-wise ops and RoPE must agree exactly; ops whose sums or
 * exp/tanh differ in order or implementation agree within the named tolerances.
 */
class OpsKernelsTwinsTest {
    private static final int[] SIZES = {1, 3, 13, 31, 33, 207, 4096 + 7};
    /** Relative: a float sum in another order, or SVML's exp/tanh against Math's (a few ulps). */
    private static final float REDUCTION = 2e-6f;
    private static final float TRANSCENDENTAL = 4e-6f;

    private final OpsKernels simd = KernelProvider.get().ops();
    private final OpsKernels scalar = KernelProvider.scalar().ops();
    private final Random random = new Random(3);

    private float[] randoms(int n, float range) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (random.nextFloat() * 2 - 1) * range;
        }
        return x;
    }

    private static void assertClose(float[] actual, float[] expected, float relative) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            float tolerance = relative * Math.max(1f, Math.abs(expected[i]));
            assertThat(actual[i]).as("index %d of %d", i, actual.length).isCloseTo(expected[i], within(tolerance));
        }
    }

    @Test
    void theSimdProviderIsInUseWhenTheModuleIsPresent() {
        if (KernelProvider.vectorModulePresent() && Boolean.parseBoolean(System.getProperty("mlm4j.vector", "true"))) {
            assertThat(KernelProvider.get().name()).startsWith("panama-");
        } else {
            assertThat(KernelProvider.get().name()).isEqualTo("scalar");
        }
    }

    @FunctionalInterface
    private interface Unary {
        void apply(OpsKernels ops, float[] x, int xo, float[] y, int yo, int n);
    }

    private void checkUnary(Unary op, float range, float relative) {
        for (int n : SIZES) {
            float[] x = randoms(n + 5, range);
            float[] a = new float[n + 2];
            float[] b = new float[n + 2];
            op.apply(simd, x, 5, a, 2, n);
            op.apply(scalar, x, 5, b, 2, n);
            assertClose(a, b, relative);
        }
    }

    @Test
    void elementWiseOpsAgreeExactly() {
        checkUnary(OpsKernels::relu, 4, 0);
        checkUnary(OpsKernels::hardswish, 5, 0);
        checkUnary(OpsKernels::hardsigmoid, 5, 0);
        checkUnary(OpsKernels::gelu, 12, 0);
        checkUnary(OpsKernels::quickGelu, 12, 0);
        checkUnary((ops, x, xo, y, yo, n) -> ops.scale(x, xo, y, yo, n, 0.37f), 3, 0);
        checkUnary((ops, x, xo, y, yo, n) -> ops.add(x, xo, x, xo + 1, y, yo, n - 1), 3, 0);
        checkUnary((ops, x, xo, y, yo, n) -> ops.mul(x, xo, x, xo + 1, y, yo, n - 1), 3, 0);
        checkUnary(OpsKernels::roundToF16, 100, 0);
        for (int n : SIZES) {
            float[] rows = randoms(3 * n, 2);
            float[] bias = randoms(n + 1, 2);
            float[] a = rows.clone();
            float[] b = rows.clone();
            simd.addRows(a, 0, n, 3, bias, 1);
            scalar.addRows(b, 0, n, 3, bias, 1);
            assertThat(a).containsExactly(b);
        }
    }

    @Test
    void transcendentalActivationsAgreeWithinTolerance() {
        checkUnary(OpsKernels::silu, 20, TRANSCENDENTAL);
        checkUnary(OpsKernels::geluTanh, 12, TRANSCENDENTAL);
        checkUnary(OpsKernels::geluErf, 8, TRANSCENDENTAL);
        checkUnary(OpsKernels::quickGeluExact, 12, TRANSCENDENTAL);
        checkUnary((ops, x, xo, y, yo, n) -> ops.swiglu(x, xo, x, xo + 1, y, yo, n - 1), 10, TRANSCENDENTAL);
    }

    @Test
    void normsAgreeWithinTolerance() {
        for (int n : SIZES) {
            float[] x = randoms(2 * n + 1, 3);
            float[] w = randoms(n, 2);
            float[] bias = randoms(n, 2);
            float[] a = new float[2 * n];
            float[] b = new float[2 * n];
            simd.rmsNorm(x, 1, a, 0, n, 2, w, 1e-6f);
            scalar.rmsNorm(x, 1, b, 0, n, 2, w, 1e-6f);
            assertClose(a, b, REDUCTION);
            simd.rmsNorm(x, 1, a, 0, n, 2, null, 1e-6f);
            scalar.rmsNorm(x, 1, b, 0, n, 2, null, 1e-6f);
            assertClose(a, b, REDUCTION);
            simd.layerNorm(x, 1, a, 0, n, 2, w, bias, 1e-5f);
            scalar.layerNorm(x, 1, b, 0, n, 2, w, bias, 1e-5f);
            assertClose(a, b, REDUCTION);
            simd.channelLayerNorm(x, 1, a, 0, n, 2, w, bias, 1e-5f);
            scalar.channelLayerNorm(x, 1, b, 0, n, 2, w, bias, 1e-5f);
            assertClose(a, b, REDUCTION);
        }
    }

    /** Large ops split over the pool: the same bits at 1 and 3 threads, each provider against its twin as above. */
    @Test
    void opsSplitOverThreadsGiveTheSameBitsAsOneThread() {
        int n = 1000 + 3;
        int rows = 301;
        float[] x = randoms(n * rows + 1, 6);
        float[] w = randoms(n, 2);
        float[] bias = randoms(n, 2);
        float[] kernel = randoms(9 * rows, 1);
        int before = Parallel.threads();
        try {
            for (OpsKernels ops : new OpsKernels[] {simd, scalar}) {
                float[][] byThreads = new float[2][];
                for (int t = 0; t < 2; t++) {
                    Parallel.configure(t == 0 ? 1 : 3);
                    float[] y = new float[x.length + 5 * n * rows];
                    ops.layerNorm(x, 1, y, 0, n, rows, w, bias, 1e-5f);
                    ops.addRows(y, 0, n, rows, bias, 0);
                    int o = n * rows;
                    ops.gelu(x, 1, y, o, n * rows);
                    ops.quickGelu(x, 1, y, o + n * rows, n * rows);
                    ops.geluErf(x, 1, y, o + 2 * n * rows, n * rows);
                    ops.quickGeluExact(x, 1, y, o + 3 * n * rows, n * rows);
                    // rows channels of a 1 x n image
                    ops.depthwiseConv3x3(x, 1, rows, 1, n, 1, kernel, null, true, y, o + 4 * n * rows);
                    byThreads[t] = y;
                }
                // (containsExactly would diff 1.5 M elements quadratically on a failure)
                assertThat(Arrays.mismatch(byThreads[1], byThreads[0])).as("first differing index").isEqualTo(-1);
            }
        } finally {
            Parallel.configure(before);
        }
    }

    @Test
    void softmaxAgreesWithinTolerance() {
        for (int n : SIZES) {
            float[] x = randoms(3 * n, 8);
            float[] mask = randoms(3 * n, 1);
            mask[0] = n > 1 ? Float.NEGATIVE_INFINITY : 0f;
            float[] a = x.clone();
            float[] b = x.clone();
            simd.softmax(a, 0, n, 3, 0.5f, mask, 0);
            scalar.softmax(b, 0, n, 3, 0.5f, mask, 0);
            assertClose(a, b, TRANSCENDENTAL);
            a = x.clone();
            b = x.clone();
            simd.softmaxCausal(a, 0, n, 3, 1.5f, n - 2);
            scalar.softmaxCausal(b, 0, n, 3, 1.5f, n - 2);
            assertClose(a, b, TRANSCENDENTAL);
        }
    }

    @Test
    void ropeAgreesExactlyInBothLayouts() {
        int[][] shapes = {{64, 64}, {80, 32}, {32, 12}, {6, 2}, {128, 128}, {96, 96}};
        for (int[] shape : shapes) {
            for (Rope.Mode mode : Rope.Mode.values()) {
                Rope rope = new Rope(mode, shape[0], shape[1], 10000f, 1f);
                int heads = 3;
                int stride = heads * shape[0] + 1;
                float[] x = randoms(5 * stride, 2);
                float[] a = x.clone();
                float[] b = x.clone();
                simd.rope(rope, a, 0, stride, 5, heads, 4093);
                scalar.rope(rope, b, 0, stride, 5, heads, 4093);
                assertThat(a).as("%s %s", mode, java.util.Arrays.toString(shape)).containsExactly(b);
            }
        }
    }

    @Test
    void convolutionsPoolingAndConversionsAgree() {
        int c = 5;
        for (int size : new int[] {1, 7, 24}) {
            float[] x = randoms(c * size * size, 3);
            float[] k = randoms(c * 9, 1);
            for (int stride = 1; stride <= 2; stride++) {
                for (boolean f16 : new boolean[] {false, true}) {
                    int o = (size - 1) / stride + 1;
                    float[] a = new float[c * o * o];
                    float[] b = new float[c * o * o];
                    simd.depthwiseConv3x3(x, 0, c, size, size, stride, k, null, f16, a, 0);
                    scalar.depthwiseConv3x3(x, 0, c, size, size, stride, k, null, f16, b, 0);
                    assertClose(a, b, REDUCTION);
                }
            }
            float[] a = new float[c * (size / 2) * (size / 2)];
            float[] b = a.clone();
            simd.avgPool2x2(x, 0, c, size, size, a, 0);
            scalar.avgPool2x2(x, 0, c, size, size, b, 0);
            assertThat(a).containsExactly(b);
        }
        float[] x = randoms(4096 + 7, 70000);
        short[] h1 = new short[x.length];
        short[] h2 = new short[x.length];
        simd.toF16(x, 0, h1, 0, x.length);
        scalar.toF16(x, 0, h2, 0, x.length);
        assertThat(h1).containsExactly(h2);
        simd.toBF16(x, 0, h1, 0, x.length);
        scalar.toBF16(x, 0, h2, 0, x.length);
        assertThat(h1).containsExactly(h2);
    }
}
