package org.mlm4j.bench;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import org.mlm4j.kernels.SyntheticWeights;
import org.mlm4j.kernels.Attention;
import org.mlm4j.kernels.AttentionKernels;
import org.mlm4j.kernels.AttentionMask;
import org.mlm4j.kernels.AttentionSpec;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.KvBuffer;
import org.mlm4j.kernels.Parallel;

/**
 * The time/memory table of docs/attention.md: causal prefill of n tokens through one attention
 * layer, F16 cache, one thread, for each kernel; the kernels take turns (so a burst of load on a
 * shared machine hits them alike) and the best of {@code reps} runs is kept. Scratch memory is what
 * the call allocates (the kernels allocate their scratch per call; one thread, so the thread's
 * allocation counter sees all of it). Finally the exponent b of a least-squares fit time ∝ n^b.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.mlm4j.bench.AttentionScaling [heads] [headDim] [reps] [n...]</pre>
 */
public final class AttentionScaling {
    private static final List<String> KERNELS = List.of("two-pass", "tiled", "window:512,sinks:4", "block:64,stride:8",
            "linear:elu", "linear:favor:128");

    private AttentionScaling() {
    }

    public static void main(String[] args) {
        int heads = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int headDim = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int[] ns = args.length > 3 ? java.util.Arrays.stream(args, 3, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {512, 2048, 8192, 16384};
        Parallel.configure(1);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        double[][] seconds = new double[KERNELS.size()][ns.length];
        System.out.printf("kernels %s, %d heads of %d, F16 cache, 1 thread, best of %d%n", KernelProvider.get().name(),
                heads, headDim, reps);
        warmUp(heads, headDim);
        System.out.println("| kernel | n | time (s) | scratch allocated | KV cache |");
        for (int j = 0; j < ns.length; j++) {
            int n = ns[j];
            Random random = new Random(1);
            int width = heads * headDim;
            float[] k = SyntheticWeights.activations(n, width, random.nextLong());
            float[] v = SyntheticWeights.activations(n, width, random.nextLong());
            float[] q = SyntheticWeights.activations(n, width, random.nextLong());
            float[] out = new float[n * width];
            long[] allocated = new long[KERNELS.size()];
            long[] cacheBytes = new long[KERNELS.size()];
            for (int i = 0; i < KERNELS.size(); i++) {
                seconds[i][j] = Double.MAX_VALUE;
            }
            for (int r = 0; r < reps; r++) {
                for (int i = 0; i < KERNELS.size(); i++) {
                    String kernel = KERNELS.get(i);
                    KvBuffer cache = cache(kernel, n, heads, headDim);
                    cacheBytes[i] = cache.storageBytes();
                    long a0 = threads.getCurrentThreadAllocatedBytes();
                    long t0 = System.nanoTime();
                    run(kernel, q, n, heads, headDim, cache, k, v, out);
                    seconds[i][j] = Math.min(seconds[i][j], (System.nanoTime() - t0) / 1e9);
                    allocated[i] = threads.getCurrentThreadAllocatedBytes() - a0;
                }
            }
            for (int i = 0; i < KERNELS.size(); i++) {
                System.out.printf("| %s | %d | %.3f | %s | %s |%n", KERNELS.get(i), n, seconds[i][j],
                        bytes(allocated[i]), bytes(cacheBytes[i]));
            }
        }
        System.out.println("| kernel | fitted exponent b (time ∝ n^b) |");
        for (int i = 0; i < KERNELS.size(); i++) {
            System.out.printf("| %s | %.2f |%n", KERNELS.get(i), exponent(ns, seconds[i]));
        }
    }

    /** A few untimed calls of every kernel, so the JIT has compiled them before the clock runs. */
    private static void warmUp(int heads, int headDim) {
        int n = 1024;
        Random random = new Random(2);
        float[] k = SyntheticWeights.activations(n, heads * headDim, random.nextLong());
        float[] out = new float[k.length];
        for (int r = 0; r < 3; r++) {
            for (String kernel : KERNELS) {
                run(kernel, k, n, heads, headDim, cache(kernel, n, heads, headDim), k, k, out);
            }
        }
    }

    /** The layer's cache as a session would hold it; the window's ring is sized for one batch of n. */
    private static KvBuffer cache(String kernel, int n, int heads, int headDim) {
        if (kernel.startsWith("window")) {
            return Attention.of(AttentionSpec.parse(kernel)).newCache(KvBuffer.Type.F16, n, n, heads, headDim);
        }
        return KvBuffer.allocate(KvBuffer.Type.F16, n, heads, headDim);
    }

    /** Stores K/V (prefill: the whole prompt, as one batch) and attends. */
    private static void run(String kernel, float[] q, int n, int heads, int headDim, KvBuffer cache,
                            float[] k, float[] v, float[] out) {
        int width = heads * headDim;
        float scale = (float) (1 / Math.sqrt(headDim));
        cache.put(0, k, 0, v, 0, width, n);
        AttentionKernels kernels = KernelProvider.get().attention();
        switch (kernel) {
            case "two-pass" -> kernels.attention(q, 0, width, n, heads, 0, cache, AttentionMask.CAUSAL, scale, out, 0, width);
            case "tiled" -> kernels.flashAttention(q, 0, width, n, heads, 0, cache, AttentionMask.CAUSAL, scale, out, 0, width);
            default -> Attention.of(AttentionSpec.parse(kernel)).attend(q, 0, width, n, heads, 0, cache,
                    AttentionMask.CAUSAL, scale, out, 0, width);
        }
    }

    private static double exponent(int[] ns, double[] t) {
        double mx = 0;
        double my = 0;
        for (int j = 0; j < ns.length; j++) {
            mx += Math.log(ns[j]) / ns.length;
            my += Math.log(t[j]) / ns.length;
        }
        double sxy = 0;
        double sxx = 0;
        for (int j = 0; j < ns.length; j++) {
            sxy += (Math.log(ns[j]) - mx) * (Math.log(t[j]) - my);
            sxx += (Math.log(ns[j]) - mx) * (Math.log(ns[j]) - mx);
        }
        return sxy / sxx;
    }

    private static String bytes(long b) {
        return b >= 1 << 20 ? String.format("%.1f MiB", b / 1048576.0) : String.format("%.0f KiB", b / 1024.0);
    }

}
