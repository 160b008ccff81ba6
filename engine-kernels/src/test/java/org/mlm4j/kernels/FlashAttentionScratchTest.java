package org.mlm4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The tiled kernel keeps per-thread scratch between calls: a call with wide heads and few query
 * rows per task, then one with narrow heads and many rows per task (grouped-query attention, as a
 * ViT followed by a GQA decoder), must still fit. Checked against the scalar twin.
 */
class FlashAttentionScratchTest {

    @Test
    void narrowHeadsWithManyGroupedRowsAfterWideHeads() {
        Random random = new Random(5);
        for (int round = 0; round < 4; round++) {
            check(random, 1, 1, 64, 32);
            check(random, 8, 1, 8, 32);
        }
    }

    private static void check(Random random, int nHeads, int nKv, int d, int nTokens) {
        KvBuffer kv = KvBuffer.allocate(KvBuffer.Type.F32, nTokens, nKv, d);
        float[] k = new float[nTokens * nKv * d];
        float[] v = new float[k.length];
        float[] q = new float[nTokens * nHeads * d];
        for (float[] a : new float[][] {k, v, q}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextGaussian();
            }
        }
        kv.put(0, k, 0, v, 0, nKv * d, nTokens);
        int width = nHeads * d;
        float[] expected = new float[q.length];
        float[] actual = new float[q.length];
        KernelProvider.scalar().attention().flashAttention(q, 0, width, nTokens, nHeads, 0, kv, AttentionMask.CAUSAL,
                0.3f, expected, 0, width);
        KernelProvider.get().attention().flashAttention(q, 0, width, nTokens, nHeads, 0, kv, AttentionMask.CAUSAL,
                0.3f, actual, 0, width);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).isCloseTo(expected[i], within(1e-4f));
        }
    }
}
