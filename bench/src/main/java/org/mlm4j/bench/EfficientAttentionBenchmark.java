package org.mlm4j.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.mlm4j.kernels.SyntheticWeights;
import org.mlm4j.kernels.Attention;
import org.mlm4j.kernels.AttentionKernels;
import org.mlm4j.kernels.AttentionMask;
import org.mlm4j.kernels.AttentionSpec;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.KvBuffer;
import org.mlm4j.kernels.Parallel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Causal prefill of {@code n} tokens through one attention layer at LM shapes ({@code 32x64}:
 * 32 heads of 64, {@code 16x128}), F16 cache, single thread, for each kernel of docs/attention.md:
 * {@code two-pass} (the exact two-pass kernel), {@code tiled} (the exact tiled online softmax) and
 * the {@link AttentionSpec} approximations. Heads are independent, so {@code heads} < the shape's
 * count measures that many heads (time scales linearly; the docs say when they scale).
 * {@code -prof gc} reports the scratch bytes per call ({@code gc.alloc.rate.norm}).
 *
 * <pre>java -jar bench/target/benchmarks.jar EfficientAttentionBenchmark -p n=512,2048 -prof gc</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:TypeProfileLevel=222", "-Xmx3g"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class EfficientAttentionBenchmark {
    @Param({"two-pass", "tiled", "window:512,sinks:4", "block:64,stride:8", "linear:elu", "linear:favor:128"})
    public String kernel;

    @Param({"512", "2048"})
    public int n;

    @Param({"32x64"})
    public String shape;

    /** Heads actually computed (0: all of the shape's). */
    @Param({"0"})
    public int heads;

    private AttentionKernels kernels;
    private Attention attention;
    private KvBuffer cache;
    private float[] q;
    private float[] out;
    private int nHeads;
    private int headDim;

    @Setup
    public void setup() {
        Parallel.configure(1);
        String[] hd = shape.split("x");
        nHeads = heads > 0 ? heads : Integer.parseInt(hd[0]);
        headDim = Integer.parseInt(hd[1]);
        kernels = KernelProvider.get().attention();
        attention = kernel.equals("two-pass") || kernel.equals("tiled") ? null : Attention.of(AttentionSpec.parse(kernel));
        Random random = new Random(1);
        int width = nHeads * headDim;
        cache = KvBuffer.allocate(KvBuffer.Type.F16, n, nHeads, headDim);
        cache.put(0, SyntheticWeights.activations(n, width, random.nextLong()), 0,
                SyntheticWeights.activations(n, width, random.nextLong()), 0, width, n);
        q = SyntheticWeights.activations(n, width, random.nextLong());
        out = new float[n * width];
    }

    @Benchmark
    public float prefill() {
        int width = nHeads * headDim;
        float scale = (float) (1 / Math.sqrt(headDim));
        if (kernel.equals("two-pass")) {
            kernels.attention(q, 0, width, n, nHeads, 0, cache, AttentionMask.CAUSAL, scale, out, 0, width);
        } else if (kernel.equals("tiled")) {
            kernels.flashAttention(q, 0, width, n, nHeads, 0, cache, AttentionMask.CAUSAL, scale, out, 0, width);
        } else {
            attention.attend(q, 0, width, n, nHeads, 0, cache, AttentionMask.CAUSAL, scale, out, 0, width);
        }
        return out[7];
    }
}
