package org.mlm4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Attention of the chosen provider (SIMD when available) and of the scalar kernels against a naive
 * double-precision softmax attention written from the definition, with its own head mapping and
 * window logic; plus prefill = token-by-token decode.
 */
class AttentionKernelsTest {
    /** F32 cache: float sums over ≤ 64 terms against double. */
    private static final double F32_TOLERANCE = 2e-5;
    /** F16 cache: the probabilities are rounded to fp16 (relative 2^-11) before the weighted sum. */
    private static final double F16_TOLERANCE = 2e-3;

    /**
     * The same kernel on the same row: equal bit for bit in compiled code, but a run may straddle
     * the JIT, whose Vector API fallback sums lanes and computes exp differently from compiled code.
     */
    private static final double SAME_ORDER = 1e-6;

    private final Random random = new Random(7);

    private static void assertClose(float[] actual, float[] expected, double tolerance) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("[%d]", i).isCloseTo(expected[i], within(tolerance));
        }
    }

    private float[] randoms(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    /** Softmax attention in double; causal with an optional sliding window, or over everything. */
    private static double[] naive(float[] q, int nTokens, int nHeads, int firstPosition, float[] k, float[] v,
                                  int length, int nKv, int headDim, boolean causal, int window, float scale) {
        return NaiveAttention.softmax(q, nTokens, nHeads, firstPosition, k, v, length, nKv, headDim,
                (pos, p) -> !causal || (p <= pos && (window == 0 || pos - p < window)) ? 1 : 0, scale);
    }

    private void checkAgainstNaive(AttentionKernels kernels, KvBuffer.Type type, int nHeads, int nKv, int headDim,
                                   int length, int nTokens, AttentionMask mask) {
        float[] k = randoms(length * nKv * headDim);
        float[] v = randoms(length * nKv * headDim);
        float[] q = randoms(nTokens * nHeads * headDim);
        KvBuffer kv = KvBuffer.allocate(type, length + 3, nKv, headDim);
        kv.put(0, k, 0, v, 0, nKv * headDim, length);
        int first = mask.causal() ? length - nTokens : 0;
        float scale = (float) (1 / Math.sqrt(headDim));
        float[] out = new float[nTokens * nHeads * headDim];
        kernels.attention(q, 0, nHeads * headDim, nTokens, nHeads, first, kv, mask, scale, out, 0, nHeads * headDim);
        boolean f16 = type == KvBuffer.Type.F16;
        double[] expected = f16
                ? naive(NaiveAttention.roundedToF16(q), nTokens, nHeads, first, NaiveAttention.roundedToF16(k), NaiveAttention.roundedToF16(v), length, nKv, headDim,
                        mask.causal(), mask.window(), scale)
                : naive(q, nTokens, nHeads, first, k, v, length, nKv, headDim, mask.causal(), mask.window(), scale);
        double tolerance = f16 ? F16_TOLERANCE : F32_TOLERANCE;
        for (int i = 0; i < out.length; i++) {
            assertThat((double) out[i]).as("%s %s out[%d]", type, mask, i).isCloseTo(expected[i], within(tolerance));
        }
    }

    private void checkBoth(KvBuffer.Type type, int nHeads, int nKv, int headDim, int length, int nTokens, AttentionMask mask) {
        checkAgainstNaive(KernelProvider.scalar().attention(), type, nHeads, nKv, headDim, length, nTokens, mask);
        checkAgainstNaive(KernelProvider.get().attention(), type, nHeads, nKv, headDim, length, nTokens, mask);
    }

    @Test
    void causalPrefillWithGqaMatchesNaiveAttention() {
        for (KvBuffer.Type type : KvBuffer.Type.values()) {
            checkBoth(type, 6, 2, 16, 13, 13, AttentionMask.CAUSAL);
            checkBoth(type, 4, 4, 33, 31, 5, AttentionMask.CAUSAL);
        }
    }

    @Test
    void decodeOneTokenAndOddHeadSizes() {
        for (KvBuffer.Type type : KvBuffer.Type.values()) {
            checkBoth(type, 8, 1, 64, 207, 1, AttentionMask.CAUSAL);
            checkBoth(type, 3, 3, 1, 7, 1, AttentionMask.CAUSAL);
            checkBoth(type, 2, 1, 7, 1, 1, AttentionMask.CAUSAL);
        }
    }

    @Test
    void slidingWindowSeesOnlyTheLastPositions() {
        for (KvBuffer.Type type : KvBuffer.Type.values()) {
            checkBoth(type, 4, 2, 8, 40, 40, AttentionMask.slidingWindow(5));
            checkBoth(type, 4, 2, 8, 40, 3, AttentionMask.slidingWindow(1));
            checkBoth(type, 4, 2, 8, 40, 2, AttentionMask.slidingWindow(39));
        }
    }

    @Test
    void windowEdgeIsExactlyNswaPositions() {
        // values: position p carries the constant p; with a window of 3 at position 9 the output must
        // be a convex combination of 7, 8, 9 only, whatever the scores
        int headDim = 4;
        KvBuffer kv = KvBuffer.allocate(KvBuffer.Type.F32, 10, 1, headDim);
        for (int p = 0; p < 10; p++) {
            float[] row = new float[headDim];
            java.util.Arrays.fill(row, p);
            kv.put(p, new float[headDim], 0, row, 0, headDim, 1);
        }
        float[] q = randoms(headDim);
        for (AttentionKernels kernels : new AttentionKernels[] {KernelProvider.scalar().attention(), KernelProvider.get().attention()}) {
            float[] out = new float[headDim];
            kernels.attention(q, 0, headDim, 1, 1, 9, kv, AttentionMask.slidingWindow(3), 1f, out, 0, headDim);
            // all keys are zero: uniform weights over exactly the visible positions
            assertThat((double) out[0]).isCloseTo(8.0, within(1e-5));
            kernels.attention(q, 0, headDim, 1, 1, 1, kv, AttentionMask.slidingWindow(3), 1f, out, 0, headDim);
            assertThat((double) out[0]).isCloseTo(0.5, within(1e-5));
        }
    }

    @Test
    void nonCausalOverWrappedFloatRowsAsTheVit() {
        int tokens = 37;
        int heads = 4;
        int headDim = 16;
        int width = heads * headDim;
        float[] qkv = randoms(tokens * 3 * width);
        KvBuffer kv = KvBuffer.wrap(qkv, width, qkv, 2 * width, 3 * width, tokens, heads, headDim);
        float[] q = new float[tokens * width];
        float[] k = new float[tokens * width];
        float[] v = new float[tokens * width];
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(qkv, t * 3 * width, q, t * width, width);
            System.arraycopy(qkv, t * 3 * width + width, k, t * width, width);
            System.arraycopy(qkv, t * 3 * width + 2 * width, v, t * width, width);
        }
        double[] expected = naive(q, tokens, heads, 0, k, v, tokens, heads, headDim, false, 0, 0.25f);
        for (AttentionKernels kernels : new AttentionKernels[] {KernelProvider.scalar().attention(), KernelProvider.get().attention()}) {
            float[] out = new float[tokens * width];
            kernels.attention(qkv, 0, 3 * width, tokens, heads, 0, kv, AttentionMask.NONE, 0.25f, out, 0, width);
            for (int i = 0; i < out.length; i++) {
                assertThat((double) out[i]).isCloseTo(expected[i], within(F32_TOLERANCE));
            }
        }
    }

    @Test
    void prefillEqualsTokenByTokenDecode() {
        int heads = 4;
        int nKv = 2;
        int headDim = 32;
        int tokens = 21;
        int width = heads * headDim;
        int kvWidth = nKv * headDim;
        float[] q = randoms(tokens * width);
        float[] k = randoms(tokens * kvWidth);
        float[] v = randoms(tokens * kvWidth);
        AttentionKernels kernels = KernelProvider.get().attention();
        for (KvBuffer.Type type : KvBuffer.Type.values()) {
            KvBuffer all = KvBuffer.allocate(type, 64, nKv, headDim);
            all.put(0, k, 0, v, 0, kvWidth, tokens);
            float[] prefill = new float[tokens * width];
            kernels.attention(q, 0, width, tokens, heads, 0, all, AttentionMask.CAUSAL, 0.3f, prefill, 0, width);
            KvBuffer stepwise = KvBuffer.allocate(type, 64, nKv, headDim);
            float[] decode = new float[tokens * width];
            for (int t = 0; t < tokens; t++) {
                stepwise.put(t, k, t * kvWidth, v, t * kvWidth, kvWidth, 1);
                kernels.attention(q, t * width, width, 1, heads, t, stepwise, AttentionMask.CAUSAL, 0.3f, decode, t * width, width);
            }
            assertClose(decode, prefill, SAME_ORDER);
        }
    }

    @Test
    void decodeOverAWrappedRingEqualsDecodeOverTheWholeCache() {
        // a window of 40 over a ring of 40 rows: at every position from 40 on, the window's rows wrap
        // around the ring's end somewhere inside the kernel's blocks of 16 positions
        int heads = 4;
        int nKv = 2;
        int headDim = 24;
        int window = 40;
        int total = 100;
        int width = heads * headDim;
        int kvWidth = nKv * headDim;
        float[] q = randoms(total * width);
        float[] k = randoms(total * kvWidth);
        float[] v = randoms(total * kvWidth);
        AttentionMask mask = AttentionMask.slidingWindow(window);
        for (AttentionKernels kernels : new AttentionKernels[] {KernelProvider.scalar().attention(), KernelProvider.get().attention()}) {
            for (KvBuffer.Type type : KvBuffer.Type.values()) {
                KvBuffer whole = KvBuffer.allocate(type, total, nKv, headDim);
                KvBuffer ring = KvBuffer.ring(type, 0, window, nKv, headDim);
                for (int t = 0; t < total; t++) {
                    whole.put(t, k, t * kvWidth, v, t * kvWidth, kvWidth, 1);
                    ring.put(t, k, t * kvWidth, v, t * kvWidth, kvWidth, 1);
                    float[] expected = new float[width];
                    float[] actual = new float[width];
                    kernels.attention(q, t * width, width, 1, heads, t, whole, mask, 0.3f, expected, 0, width);
                    kernels.attention(q, t * width, width, 1, heads, t, ring, mask, 0.3f, actual, 0, width);
                    assertThat(actual).as("%s %s at %d", kernels, type, t).containsExactly(expected);
                }
            }
        }
    }

    @Test
    void simdAgreesWithScalarTwinOverAwkwardHeadSizes() {
        for (KvBuffer.Type type : KvBuffer.Type.values()) {
            // F16: a probability may round to the neighbouring fp16 when the float sums differ by an ulp
            double tolerance = type == KvBuffer.Type.F16 ? 2e-3 : F32_TOLERANCE;
            for (int headDim : new int[] {1, 13, 31, 33, 80, 135}) {
                int heads = 4;
                int nKv = 2;
                int tokens = 19;
                float[] q = randoms(tokens * heads * headDim);
                KvBuffer kv = KvBuffer.allocate(type, tokens + 11, nKv, headDim);
                kv.put(0, randoms((tokens + 11) * nKv * headDim), 0, randoms((tokens + 11) * nKv * headDim), 0,
                        nKv * headDim, tokens + 11);
                float[] a = new float[q.length];
                float[] b = new float[q.length];
                KernelProvider.get().attention().attention(q, 0, heads * headDim, tokens, heads, 11, kv,
                        AttentionMask.slidingWindow(17), 0.2f, a, 0, heads * headDim);
                KernelProvider.scalar().attention().attention(q, 0, heads * headDim, tokens, heads, 11, kv,
                        AttentionMask.slidingWindow(17), 0.2f, b, 0, heads * headDim);
                for (int i = 0; i < a.length; i++) {
                    assertThat((double) a[i]).as("%s head %d [%d]", type, headDim, i).isCloseTo(b[i], within(tolerance));
                }
            }
        }
    }

    @Test
    void resultDoesNotDependOnTheThreadCount() {
        int heads = 8;
        int headDim = 24;
        int tokens = 40;
        float[] q = randoms(tokens * heads * headDim);
        KvBuffer kv = KvBuffer.allocate(KvBuffer.Type.F16, tokens, 4, headDim);
        kv.put(0, randoms(tokens * 4 * headDim), 0, randoms(tokens * 4 * headDim), 0, 4 * headDim, tokens);
        int before = Parallel.threads();
        try {
            float[][] outs = new float[2][q.length];
            for (int threads = 1; threads <= 2; threads++) {
                Parallel.configure(threads);
                KernelProvider.get().attention().attention(q, 0, heads * headDim, tokens, heads, 0, kv,
                        AttentionMask.CAUSAL, 0.2f, outs[threads - 1], 0, heads * headDim);
            }
            assertClose(outs[1], outs[0], SAME_ORDER);
        } finally {
            Parallel.configure(before);
        }
    }

    @Test
    void rejectsShapesThatDoNotFit() {
        KvBuffer kv = KvBuffer.allocate(KvBuffer.Type.F16, 4, 2, 8);
        kv.put(0, new float[16], 0, new float[16], 0, 16, 1);
        AttentionKernels kernels = KernelProvider.get().attention();
        assertThatThrownBy(() -> kernels.attention(new float[24], 0, 24, 1, 3, 0, kv, AttentionMask.CAUSAL, 1f, new float[24], 0, 24))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kv heads");
        assertThatThrownBy(() -> kernels.attention(new float[32], 0, 32, 1, 4, 1, kv, AttentionMask.CAUSAL, 1f, new float[32], 0, 32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kv buffer");
        assertThatThrownBy(() -> kv.put(2, new float[16], 0, new float[16], 0, 16, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KvBuffer.wrap(new float[10], 0, new float[10], 0, 8, 2, 1, 8))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
