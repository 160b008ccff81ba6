package org.mlm4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import java.util.function.IntBinaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The tiled (flash), sparse and linear attention kernels of the scalar provider and of the chosen
 * one (SIMD when available) against naive O(n²) formulations in double written here from the
 * definitions, each with its own visibility predicate and head mapping.
 */
class EfficientAttentionTest {
    /** F32 buffer: float sums over ≤ a few hundred terms against double. */
    private static final double F32_TOLERANCE = 5e-5;
    /** F16 buffer: the reference rounds q, k, v as the kernel reads them; float accumulation. */
    private static final double F16_TOLERANCE = 1e-4;
    /** Linear attention: M·d products per output accumulated in float state. */
    private static final double LINEAR_TOLERANCE = 2e-4;

    private final Random random = new Random(11);

    private static final List<AttentionKernels> KERNELS =
            List.of(KernelProvider.scalar().attention(), KernelProvider.get().attention());

    private float[] randoms(int n, double sd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextGaussian() * sd);
        }
        return x;
    }

    /** visible(query position, key position) → 1 or 0, written from the pattern definitions. */
    private static IntBinaryOperator causal() {
        return (p, k) -> k <= p ? 1 : 0;
    }

    private static IntBinaryOperator windowWithSinks(int window, int sinks) {
        return (p, k) -> k <= p && (k < sinks || k > p - window) ? 1 : 0;
    }

    private static IntBinaryOperator blocks(boolean causal, int block, int stride) {
        return (p, k) -> {
            if (causal && k > p) {
                return 0;
            }
            int diff = p / block - k / block;
            boolean local = diff == 0 || diff == 1 || (!causal && diff == -1);
            boolean global = stride == 0 ? k / block == 0 : (k / block) % stride == 0;
            return local || global ? 1 : 0;
        };
    }

    /** One random problem: q of nTokens at the end of a cache of length positions. */
    private record Problem(float[] q, float[] k, float[] v, int nTokens, int nHeads, int nKv, int d, int length) {
        int first(boolean causal) {
            return causal ? length - nTokens : 0;
        }

        KvBuffer buffer(KvBuffer.Type type) {
            KvBuffer kv = KvBuffer.allocate(type, length + 5, nKv, d);
            kv.put(0, k, 0, v, 0, nKv * d, length);
            return kv;
        }
    }

    private Problem problem(int nTokens, int nHeads, int nKv, int d, int length) {
        return new Problem(randoms(nTokens * nHeads * d, 1), randoms(length * nKv * d, 1), randoms(length * nKv * d, 1),
                nTokens, nHeads, nKv, d, length);
    }

    private void checkFlash(Problem pr, KvBuffer.Type type, AttentionMask mask, IntBinaryOperator visible) {
        boolean f16 = type == KvBuffer.Type.F16;
        float scale = (float) (1 / Math.sqrt(pr.d));
        int first = pr.first(mask.causal());
        double[] expected = f16
                ? NaiveAttention.softmax(NaiveAttention.roundedToF16(pr.q), pr.nTokens, pr.nHeads, first, NaiveAttention.roundedToF16(pr.k), NaiveAttention.roundedToF16(pr.v),
                        pr.length, pr.nKv, pr.d, visible, scale)
                : NaiveAttention.softmax(pr.q, pr.nTokens, pr.nHeads, first, pr.k, pr.v, pr.length, pr.nKv, pr.d, visible, scale);
        int width = pr.nHeads * pr.d;
        for (AttentionKernels kernels : KERNELS) {
            float[] out = new float[pr.nTokens * width];
            kernels.flashAttention(pr.q, 0, width, pr.nTokens, pr.nHeads, first, pr.buffer(type), mask, scale, out, 0, width);
            for (int i = 0; i < out.length; i++) {
                assertThat((double) out[i]).as("%s %s %s out[%d]", kernels.getClass().getSimpleName(), type, mask, i)
                        .isCloseTo(expected[i], within(f16 ? F16_TOLERANCE : F32_TOLERANCE));
            }
        }
    }

    @Test
    void tiledExactMatchesNaiveSoftmaxCausalWithGqaAndOddLengths() {
        for (KvBuffer.Type type : KvBuffer.Type.values()) {
            for (int length : new int[] {1, 13, 63, 64, 65, 130}) {
                checkFlash(problem(length, 6, 2, 16, length), type, AttentionMask.CAUSAL, causal());
            }
            checkFlash(problem(1, 8, 1, 64, 207), type, AttentionMask.CAUSAL, causal());
            checkFlash(problem(19, 4, 4, 33, 150), type, AttentionMask.CAUSAL, causal());
            checkFlash(problem(5, 3, 3, 1, 70), type, AttentionMask.CAUSAL, causal());
        }
    }

    @Test
    void tiledExactMatchesNaiveSoftmaxNonCausal() {
        for (KvBuffer.Type type : KvBuffer.Type.values()) {
            checkFlash(problem(50, 4, 4, 16, 50), type, AttentionMask.NONE, (p, k) -> 1);
            checkFlash(problem(129, 2, 1, 40, 129), type, AttentionMask.NONE, (p, k) -> 1);
        }
    }

    @Test
    void tiledExactMatchesTheTwoPassKernelWithPhi3Window() {
        Problem pr = problem(100, 4, 2, 32, 140);
        for (KvBuffer.Type type : KvBuffer.Type.values()) {
            checkFlash(pr, type, AttentionMask.slidingWindow(70), windowWithSinks(70, 0));
            KvBuffer kv = pr.buffer(type);
            float[] twoPass = new float[pr.q.length];
            float[] tiled = new float[pr.q.length];
            AttentionKernels kernels = KernelProvider.get().attention();
            kernels.attention(pr.q, 0, 128, 100, 4, 40, kv, AttentionMask.slidingWindow(70), 0.2f, twoPass, 0, 128);
            kernels.flashAttention(pr.q, 0, 128, 100, 4, 40, kv, AttentionMask.slidingWindow(70), 0.2f, tiled, 0, 128);
            for (int i = 0; i < tiled.length; i++) {
                // F16: the two-pass kernel rounds the probabilities to fp16, the tiled one does not
                assertThat(tiled[i]).isCloseTo(twoPass[i], within(type == KvBuffer.Type.F16 ? 2e-3f : 2e-5f));
            }
        }
    }

    @Test
    void windowWithSinksMatchesNaiveUnderTheSameMaskAtItsEdges() {
        for (KvBuffer.Type type : KvBuffer.Type.values()) {
            // window 1 (only itself), window edge exactly at a tile edge, sinks overlapping the window early on
            for (int[] ws : new int[][] {{1, 0}, {1, 3}, {5, 4}, {64, 4}, {63, 1}, {100, 0}, {7, 130}}) {
                checkFlash(problem(130, 4, 2, 8, 130), type, AttentionMask.slidingWindow(ws[0], ws[1]),
                        windowWithSinks(ws[0], ws[1]));
            }
            checkFlash(problem(3, 4, 2, 8, 200), type, AttentionMask.slidingWindow(17, 4), windowWithSinks(17, 4));
        }
    }

    @Test
    void blockSparseMatchesNaiveUnderTheSameMask() {
        for (KvBuffer.Type type : KvBuffer.Type.values()) {
            for (int[] bs : new int[][] {{1, 0}, {8, 0}, {8, 3}, {16, 2}, {64, 0}, {13, 4}}) {
                checkFlash(problem(150, 4, 2, 8, 150), type, AttentionMask.blockSparse(true, bs[0], bs[1]),
                        blocks(true, bs[0], bs[1]));
                checkFlash(problem(77, 4, 4, 8, 77), type, AttentionMask.blockSparse(false, bs[0], bs[1]),
                        blocks(false, bs[0], bs[1]));
            }
            checkFlash(problem(2, 4, 2, 8, 300), type, AttentionMask.blockSparse(true, 16, 4), blocks(true, 16, 4));
        }
    }

    @Test
    void twoPassKernelHonoursTheSparseMasksToo() {
        Problem pr = problem(90, 4, 2, 8, 90);
        float scale = 0.35f;
        for (AttentionMask mask : new AttentionMask[] {AttentionMask.slidingWindow(9, 3), AttentionMask.blockSparse(true, 8, 3)}) {
            IntBinaryOperator visible = mask.sinks() > 0 ? windowWithSinks(9, 3) : blocks(true, 8, 3);
            double[] expected = NaiveAttention.softmax(pr.q, 90, 4, 0, pr.k, pr.v, 90, 2, 8, visible, scale);
            for (AttentionKernels kernels : KERNELS) {
                float[] out = new float[pr.q.length];
                kernels.attention(pr.q, 0, 32, 90, 4, 0, pr.buffer(KvBuffer.Type.F32), mask, scale, out, 0, 32);
                for (int i = 0; i < out.length; i++) {
                    assertThat((double) out[i]).as("%s [%d]", mask, i).isCloseTo(expected[i], within(F32_TOLERANCE));
                }
            }
        }
    }

    @Test
    void nextVisibleIsTheFirstVisibleKey() {
        AttentionMask[] masks = {AttentionMask.CAUSAL, AttentionMask.NONE, AttentionMask.slidingWindow(6),
            AttentionMask.slidingWindow(6, 3), AttentionMask.slidingWindow(1, 1), AttentionMask.blockSparse(true, 4, 0),
            AttentionMask.blockSparse(true, 4, 3), AttentionMask.blockSparse(false, 5, 2), AttentionMask.blockSparse(false, 1, 0)};
        for (AttentionMask mask : masks) {
            for (int p = 0; p < 60; p++) {
                for (int k = 0; k < 70; k++) {
                    int expected = Integer.MAX_VALUE;
                    for (int j = k; j < 200; j++) {
                        if (mask.visible(p, j)) {
                            expected = j;
                            break;
                        }
                    }
                    if (mask.causal() || expected < 200) {
                        assertThat(mask.nextVisible(p, k)).as("%s p=%d k=%d", mask, p, k).isEqualTo(expected);
                    }
                }
            }
        }
        assertThat(AttentionMask.slidingWindow(6, 3).visible(20, 2)).isTrue();
        assertThat(AttentionMask.slidingWindow(6, 3).visible(20, 14)).isFalse();
        assertThat(AttentionMask.slidingWindow(6, 3).visible(20, 15)).isTrue();
        assertThat(AttentionMask.blockSparse(true, 4, 3).visible(30, 13)).isTrue();   // global block 3
        assertThat(AttentionMask.blockSparse(true, 4, 3).visible(30, 17)).isFalse();  // block 4
        assertThat(AttentionMask.blockSparse(true, 4, 3).visible(30, 20)).isFalse();  // block 5
        assertThat(AttentionMask.blockSparse(true, 4, 3).visible(30, 24)).isTrue();   // previous block 6
    }

    @Test
    void gqaQueryHeadReadsKvHeadHOverGroup() {
        // value rows of kv head j are the constant j + 1: every output of query head h must be h / group + 1
        int nHeads = 6;
        int nKv = 3;
        int d = 5;
        int length = 40;
        float[] k = randoms(length * nKv * d, 1);
        float[] v = new float[length * nKv * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i / d) % nKv + 1;
        }
        float[] q = randoms(length * nHeads * d, 1);
        for (KvBuffer.Type type : KvBuffer.Type.values()) {
            KvBuffer kv = KvBuffer.allocate(type, length, nKv, d);
            kv.put(0, k, 0, v, 0, nKv * d, length);
            for (AttentionKernels kernels : KERNELS) {
                float[][] outs = new float[4][q.length];
                kernels.flashAttention(q, 0, nHeads * d, length, nHeads, 0, kv, AttentionMask.CAUSAL, 0.4f, outs[0], 0, nHeads * d);
                kernels.flashAttention(q, 0, nHeads * d, length, nHeads, 0, kv, AttentionMask.slidingWindow(4, 2), 0.4f, outs[1], 0, nHeads * d);
                kernels.linearAttention(q, 0, nHeads * d, length, nHeads, 0, kv, true, FeatureMap.ELU_PLUS_ONE, 0.4f, outs[2], 0, nHeads * d);
                kernels.linearAttention(q, 0, nHeads * d, length, nHeads, 0, kv, false, FeatureMap.favor(16), 0.4f, outs[3], 0, nHeads * d);
                for (float[] out : outs) {
                    for (int i = 0; i < out.length; i++) {
                        assertThat(out[i]).isCloseTo((i / d) % nHeads / (nHeads / nKv) + 1, within(1e-4f));
                    }
                }
            }
        }
    }

    @Test
    void ringCacheStreamsPastItsSizeAndMatchesTheFullCache() {
        int nHeads = 4;
        int nKv = 2;
        int d = 16;
        int window = 24;
        int sinks = 4;
        int batch = 5;
        int total = 333;
        int width = nHeads * d;
        float[] q = randoms(total * width, 1);
        float[] k = randoms(total * nKv * d, 1);
        float[] v = randoms(total * nKv * d, 1);
        AttentionMask mask = AttentionMask.slidingWindow(window, sinks);
        for (KvBuffer.Type type : KvBuffer.Type.values()) {
            KvBuffer full = KvBuffer.allocate(type, total, nKv, d);
            full.put(0, k, 0, v, 0, nKv * d, total);
            Attention attention = Attention.of(new AttentionSpec.Window(window, sinks));
            KvBuffer ring = attention.newCache(type, 64, batch, nKv, d);
            long bytes = ring.storageBytes();
            assertThat(ring.capacity()).isEqualTo(sinks + window + batch - 1);
            float[] expected = new float[q.length];
            float[] streamed = new float[q.length];
            AttentionKernels kernels = KernelProvider.get().attention();
            kernels.flashAttention(q, 0, width, total, nHeads, 0, full, mask, 0.25f, expected, 0, width);
            for (int pos = 0; pos < total; pos += batch) {
                int n = Math.min(batch, total - pos);
                ring.put(pos, k, pos * nKv * d, v, pos * nKv * d, nKv * d, n);
                attention.attend(q, pos * width, width, n, nHeads, pos, ring, AttentionMask.CAUSAL, 0.25f,
                        streamed, pos * width, width);
            }
            assertThat(ring.length()).isEqualTo(total);
            assertThat(ring.storageBytes()).isEqualTo(bytes);
            // key tiles are aligned to absolute positions: each row's arithmetic does not depend on the batching
            assertThat(streamed).containsExactly(expected);
        }
    }

    @Test
    void ringRefusesAMaskThatNeedsOverwrittenPositions() {
        KvBuffer ring = KvBuffer.ring(KvBuffer.Type.F32, 2, 8, 1, 4);
        for (int p = 0; p < 20; p++) {
            ring.put(p, new float[4], 0, new float[4], 0, 4, 1);
        }
        assertThat(ring.oldestStored()).isEqualTo(12);
        AttentionKernels kernels = KernelProvider.get().attention();
        float[] out = new float[4];
        kernels.flashAttention(new float[4], 0, 4, 1, 1, 19, ring, AttentionMask.slidingWindow(8, 2), 1f, out, 0, 4);
        assertThatThrownBy(() -> kernels.flashAttention(new float[4], 0, 4, 1, 1, 19, ring, AttentionMask.CAUSAL, 1f, out, 0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overwritten");
        assertThatThrownBy(() -> kernels.flashAttention(new float[4], 0, 4, 1, 1, 19, ring, AttentionMask.slidingWindow(9, 2), 1f, out, 0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overwritten");
        assertThatThrownBy(() -> ring.put(5, new float[4], 0, new float[4], 0, 4, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ring.put(20, new float[40], 0, new float[40], 0, 4, 9)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ring.truncate(11)).isInstanceOf(IllegalArgumentException.class);
        ring.truncate(15);
        assertThat(ring.length()).isEqualTo(15);
    }

    /** Linear attention by its definition: Σ_p φ(q)·φ(k_p) v_p / Σ_p φ(q)·φ(k_p), φ in double. */
    private static double[] naiveLinear(float[] q, int nTokens, int nHeads, int firstPosition, float[] k, float[] v,
                                        int length, int nKv, int d, boolean causal, FeatureMap map, float scale) {
        double[] out = new double[nTokens * nHeads * d];
        for (int t = 0; t < nTokens; t++) {
            for (int h = 0; h < nHeads; h++) {
                int j = h / (nHeads / nKv);
                double[] phiQ = features(map, q, (t * nHeads + h) * d, d, scale);
                double den = 0;
                double[] num = new double[d];
                int end = causal ? firstPosition + t + 1 : length;
                for (int p = 0; p < end; p++) {
                    double[] phiK = features(map, k, (p * nKv + j) * d, d, scale);
                    double w = 0;
                    for (int i = 0; i < phiQ.length; i++) {
                        w += phiQ[i] * phiK[i];
                    }
                    den += w;
                    for (int i = 0; i < d; i++) {
                        num[i] += w * v[(p * nKv + j) * d + i];
                    }
                }
                for (int i = 0; i < d; i++) {
                    out[(t * nHeads + h) * d + i] = num[i] / den;
                }
            }
        }
        return out;
    }

    private static double[] features(FeatureMap map, float[] x, int o, int d, float scale) {
        if (map instanceof FeatureMap.Favor favor) {
            float[] omega = favor.projection(d);
            double root = Math.sqrt(scale);
            double norm = 0;
            for (int i = 0; i < d; i++) {
                norm += root * x[o + i] * root * x[o + i];
            }
            double[] phi = new double[favor.count()];
            for (int f = 0; f < phi.length; f++) {
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += omega[f * d + i] * root * x[o + i];
                }
                phi[f] = Math.exp(dot - norm / 2);
            }
            return phi;
        }
        double[] phi = new double[d];
        for (int i = 0; i < d; i++) {
            phi[i] = x[o + i] > 0 ? x[o + i] + 1.0 : Math.exp(x[o + i]);
        }
        return phi;
    }

    @Test
    void linearAttentionMatchesItsNaiveQuadraticFormulation() {
        for (FeatureMap map : new FeatureMap[] {FeatureMap.ELU_PLUS_ONE, FeatureMap.favor(24), FeatureMap.favor(7)}) {
            for (boolean causal : new boolean[] {true, false}) {
                for (int[] shape : new int[][] {{37, 37, 6, 2, 16}, {1, 50, 4, 4, 8}, {5, 64, 2, 1, 33}}) {
                    int nTokens = shape[0];
                    int length = shape[1];
                    Problem pr = problem(nTokens, shape[2], shape[3], shape[4], length);
                    int first = causal ? length - nTokens : 0;
                    float scale = (float) (1 / Math.sqrt(pr.d));
                    double[] expected = naiveLinear(pr.q, nTokens, pr.nHeads, first, pr.k, pr.v, length, pr.nKv, pr.d,
                            causal, map, scale);
                    int width = pr.nHeads * pr.d;
                    for (AttentionKernels kernels : KERNELS) {
                        float[] out = new float[nTokens * width];
                        kernels.linearAttention(pr.q, 0, width, nTokens, pr.nHeads, first, pr.buffer(KvBuffer.Type.F32),
                                causal, map, scale, out, 0, width);
                        for (int i = 0; i < out.length; i++) {
                            assertThat((double) out[i]).as("%s causal=%s %s [%d]", map, causal, kernels.getClass().getSimpleName(), i)
                                    .isCloseTo(expected[i], within(LINEAR_TOLERANCE));
                        }
                    }
                }
            }
        }
    }

    /**
     * A {@link KvBuffer#linear} cache as a decoder drives it: a prompt in batches of at most
     * {@code maxBatch}, then one token per call, each call putting its K/V and attending at its
     * positions. Returns the outputs of every position.
     */
    private static float[] carried(AttentionKernels kernels, Problem pr, KvBuffer kv, int prompt, int maxBatch,
                                   FeatureMap map, float scale) {
        int width = pr.nHeads * pr.d;
        int kvWidth = pr.nKv * pr.d;
        float[] out = new float[pr.length * width];
        for (int position = 0; position < pr.length; ) {
            int n = position < prompt ? Math.min(maxBatch, prompt - position) : 1;
            kv.put(position, pr.k, position * kvWidth, pr.v, position * kvWidth, kvWidth, n);
            kernels.linearAttention(pr.q, position * width, width, n, pr.nHeads, position, kv, true, map, scale,
                    out, position * width, width);
            position += n;
        }
        return out;
    }

    @Test
    void carriedLinearStateDecodesTokenByTokenAsOnePrefill() {
        int maxBatch = 4;
        for (KvBuffer.Type type : KvBuffer.Type.values()) {
            for (FeatureMap map : new FeatureMap[] {FeatureMap.ELU_PLUS_ONE, FeatureMap.favor(24), FeatureMap.favor(7)}) {
                for (int[] shape : new int[][] {{6, 2, 16, 45}, {4, 4, 33, 30}, {8, 1, 8, 21}}) {
                    int length = shape[3];
                    Problem pr = problem(length, shape[0], shape[1], shape[2], length);
                    float scale = (float) (1 / Math.sqrt(pr.d));
                    int width = pr.nHeads * pr.d;
                    double[] naive = naiveLinear(pr.q, length, pr.nHeads, 0, pr.k, pr.v, length, pr.nKv, pr.d, true, map, scale);
                    for (AttentionKernels kernels : KERNELS) {
                        String what = map + " " + type + " " + kernels.getClass().getSimpleName();
                        float[] prefill = new float[length * width];
                        kernels.linearAttention(pr.q, 0, width, length, pr.nHeads, 0, pr.buffer(type), true, map, scale,
                                prefill, 0, width);
                        KvBuffer kv = KvBuffer.linear(type, pr.nKv, pr.d, map.features(pr.d));
                        assertThat(kv.capacity()).isZero();
                        long bytes = kv.storageBytes();
                        float[] decoded = carried(kernels, pr, kv, 7, maxBatch, map, scale);
                        assertThat(kv.linearState().folded()).isEqualTo(length);
                        assertThat(kv.oldestStored()).isEqualTo(length - 1);
                        assertThat(kv.storageBytes()).as(what).isEqualTo(bytes);
                        assertThat(decoded).as(what).containsExactly(prefill, within(1e-6f));
                        if (type == KvBuffer.Type.F32) {
                            for (int i = 0; i < decoded.length; i++) {
                                assertThat((double) decoded[i]).as("%s [%d]", what, i).isCloseTo(naive[i], within(LINEAR_TOLERANCE));
                            }
                        }
                        // the state follows its positions: no rewinding, no skipping, causal only; reset starts over
                        float[] row = new float[width];
                        assertThatThrownBy(() -> kernels.linearAttention(pr.q, 0, width, 1, pr.nHeads, length - 1, kv, true,
                                map, scale, row, 0, width)).isInstanceOf(IllegalArgumentException.class);
                        assertThatThrownBy(() -> kernels.linearAttention(pr.q, 0, width, 1, pr.nHeads, 0, kv, false,
                                map, scale, row, 0, width)).isInstanceOf(IllegalArgumentException.class);
                        assertThatThrownBy(() -> kv.truncate(length - 1)).isInstanceOf(IllegalArgumentException.class);
                        kv.truncate(0);
                        assertThat(carried(kernels, pr, kv, length, maxBatch, map, scale)).as(what)
                                .containsExactly(prefill, within(1e-6f));
                    }
                }
            }
        }
    }

    @Test
    void favorApproximatesSoftmaxAttentionBetterWithMoreFeatures() {
        // small logits (|scale·q·k| ≲ 1), where positive random features are accurate
        int d = 16;
        int length = 64;
        float[] q = randoms(length * d, 0.5);
        float[] k = randoms(length * d, 0.5);
        float[] v = randoms(length * d, 1);
        float scale = 0.25f;
        double[] exact = NaiveAttention.softmax(q, length, 1, 0, k, v, length, 1, d, (p, j) -> 1, scale);
        KvBuffer kv = KvBuffer.allocate(KvBuffer.Type.F32, length, 1, d);
        kv.put(0, k, 0, v, 0, d, length);
        double previous = Double.MAX_VALUE;
        for (int m : new int[] {16, 256, 4096}) {
            float[] out = new float[length * d];
            KernelProvider.get().attention().linearAttention(q, 0, d, length, 1, 0, kv, false, FeatureMap.favor(m), scale, out, 0, d);
            double error = 0;
            for (int i = 0; i < out.length; i++) {
                error = Math.max(error, Math.abs(out[i] - exact[i]));
            }
            assertThat(error).as("M=%d", m).isLessThan(previous);
            previous = error;
        }
        assertThat(previous).as("max error at M=4096").isLessThan(0.05);
    }

    @Test
    void favorFeaturesAreReproducibleAndOrthogonalWithinABlock() {
        FeatureMap.Favor a = (FeatureMap.Favor) FeatureMap.favor(20);
        FeatureMap.Favor b = (FeatureMap.Favor) FeatureMap.favor(20);
        assertThat(a.projection(8)).containsExactly(b.projection(8));
        float[] omega = a.projection(8);
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < i; j++) {
                double dot = 0;
                for (int c = 0; c < 8; c++) {
                    dot += omega[i * 8 + c] * omega[j * 8 + c];
                }
                assertThat(dot).isCloseTo(0, within(1e-4));
            }
        }
    }

    @Test
    void specParsesAndFormatsEveryForm() {
        for (String s : new String[] {"exact", "flash", "window:512", "window:2048,sinks:4", "block:64", "block:64,stride:8",
            "linear:elu", "linear:favor:256"}) {
            assertThat(AttentionSpec.parse(s).toString()).isEqualTo(s);
        }
        assertThat(AttentionSpec.parse("window:16,sinks:4")).isEqualTo(new AttentionSpec.Window(16, 4));
        assertThat(AttentionSpec.parse("linear:favor:64")).isEqualTo(new AttentionSpec.Linear(FeatureMap.favor(64)));
        for (String bad : new String[] {"", "flash:2", "window", "window:0", "window:8,sink:4", "window:-1",
            "block:8,stride:-2", "linear", "linear:favor:0", "linear:relu", "block:x"}) {
            assertThatThrownBy(() -> AttentionSpec.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("attention");
        }
        assertThatThrownBy(() -> Attention.forEncoder(AttentionSpec.parse("window:8")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("encoder");
    }
}
