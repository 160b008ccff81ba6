package org.mlm4j.bench;

import java.util.Random;
import org.mlm4j.kernels.AttentionKernels;
import org.mlm4j.kernels.FeatureMap;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.KvBuffer;
import org.mlm4j.kernels.Parallel;

/**
 * docs/attention.md's decode cost of causal linear attention (elu+1) through one layer, F16, one
 * thread, at several depths: one token per call on the decoder's cache, which carries the running
 * sums ({@link KvBuffer#linear}), against the same token recomputed from a cache of every
 * position (what the decoder did before it carried a state). Best of 3 runs of 16 tokens (2 of 2
 * for the recomputation, which is slow).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.mlm4j.bench.LinearDecodeCost [heads] [headDim] [depth...]</pre>
 */
public final class LinearDecodeCost {
    private static final int TOKENS = 48;
    private static final int PREFILL_BATCH = 512;

    private LinearDecodeCost() {
    }

    public static void main(String[] args) {
        int heads = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int headDim = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int[] depths = args.length > 2 ? java.util.Arrays.stream(args, 2, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {2048, 16384};
        Parallel.configure(1);
        AttentionKernels kernels = KernelProvider.get().attention();
        FeatureMap elu = FeatureMap.ELU_PLUS_ONE;
        float scale = (float) (1 / Math.sqrt(headDim));
        int width = heads * headDim;
        Random random = new Random(1);
        System.out.printf("kernels %s, %d heads of %d, F16, 1 thread, linear:elu decode%n", KernelProvider.get().name(),
                heads, headDim);
        for (int depth : depths) {
            // q, k and v of every position are the same random rows: the cost does not depend on them
            float[] rows = new float[(depth + TOKENS) * width];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = (float) random.nextGaussian();
            }
            KvBuffer carried = KvBuffer.linear(KvBuffer.Type.F16, heads, headDim, elu.features(headDim));
            for (int p = 0; p < depth; p += PREFILL_BATCH) {
                int n = Math.min(PREFILL_BATCH, depth - p);
                carried.put(p, rows, p * width, rows, p * width, width, n);
                kernels.linearAttention(rows, p * width, width, n, heads, p, carried, true, elu, scale,
                        new float[n * width], 0, width);
            }
            float[] out = new float[width];
            long best = Long.MAX_VALUE;
            for (int run = 0, p = depth; run < 3; run++) {
                long t = System.nanoTime();
                for (int i = 0; i < TOKENS / 3; i++, p++) {
                    carried.put(p, rows, p * width, rows, p * width, width, 1);
                    kernels.linearAttention(rows, p * width, width, 1, heads, p, carried, true, elu, scale, out, 0, width);
                }
                best = Math.min(best, (System.nanoTime() - t) / (TOKENS / 3));
            }
            KvBuffer full = KvBuffer.allocate(KvBuffer.Type.F16, depth + 1, heads, headDim);
            full.put(0, rows, 0, rows, 0, width, depth + 1);
            long bestRecomputed = Long.MAX_VALUE;
            for (int run = 0; run < 2; run++) {
                long t = System.nanoTime();
                for (int i = 0; i < 2; i++) {
                    kernels.linearAttention(rows, depth * width, width, 1, heads, depth, full, true, elu, scale, out, 0, width);
                }
                bestRecomputed = Math.min(bestRecomputed, (System.nanoTime() - t) / 2);
            }
            System.out.printf("depth %6d: carried state %8.3f ms/token, memory %6.2f MiB | recomputed from the cache %8.3f ms/token, memory %7.2f MiB%n",
                    depth, best / 1e6, carried.storageBytes() / 1048576.0, bestRecomputed / 1e6, full.storageBytes() / 1048576.0);
        }
    }
}
