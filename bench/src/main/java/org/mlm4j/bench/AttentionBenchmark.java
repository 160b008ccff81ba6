package org.mlm4j.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.mlm4j.kernels.SyntheticWeights;
import org.mlm4j.kernels.AttentionKernels;
import org.mlm4j.kernels.AttentionMask;
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
 * One attention layer: MobileLLaMA-1.4B decode (16 heads of 128, F16 cache by default, one
 * token after {@code context} positions) and prefill ({@code context} tokens at once), and a ViT-L/14-336 layer
 * (577 tokens, 16 heads of 64, F32, no mask). Vector API kernels against the scalar baseline.
 *
 * <pre>java -jar bench/target/benchmarks.jar AttentionBenchmark -f 1 -wi 2 -i 3 -w 1 -r 1 [-p threads=2]</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:TypeProfileLevel=222"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class AttentionBenchmark {
    @Param({"simd", "scalar"})
    public String impl;

    @Param({"512"})
    public int context;

    @Param({"F16"})
    public KvBuffer.Type cacheType;

    /** Threads of the shared pool (the scalar kernels always use one). */
    @Param({"1"})
    public int threads;

    private static final int HEADS = 16;
    private static final int HEAD_DIM = 128;
    private static final int VIT_TOKENS = 577;
    private static final int VIT_HEAD_DIM = 64;

    private AttentionKernels attention;
    private KvBuffer cache;
    private KvBuffer vit;
    private float[] q;
    private float[] out;
    private float[] vitQkv;
    private float[] vitOut;

    @Setup
    public void setup() {
        Parallel.configure(threads);
        attention = "scalar".equals(impl) ? KernelProvider.scalar().attention() : KernelProvider.get().attention();
        Random random = new Random(1);
        int width = HEADS * HEAD_DIM;
        float[] k = SyntheticWeights.activations(context, width, random.nextLong());
        float[] v = SyntheticWeights.activations(context, width, random.nextLong());
        cache = KvBuffer.allocate(cacheType, context, HEADS, HEAD_DIM);
        cache.put(0, k, 0, v, 0, width, context);
        q = SyntheticWeights.activations(context, width, random.nextLong());
        out = new float[context * width];
        int vitWidth = HEADS * VIT_HEAD_DIM;
        vitQkv = SyntheticWeights.activations(VIT_TOKENS, 3 * vitWidth, random.nextLong());
        vit = KvBuffer.wrap(vitQkv, vitWidth, vitQkv, 2 * vitWidth, 3 * vitWidth, VIT_TOKENS, HEADS, VIT_HEAD_DIM);
        vitOut = new float[VIT_TOKENS * vitWidth];
    }

    @Benchmark
    public float decode() {
        int width = HEADS * HEAD_DIM;
        attention.attention(q, 0, width, 1, HEADS, context - 1, cache, AttentionMask.CAUSAL,
                (float) (1 / Math.sqrt(HEAD_DIM)), out, 0, width);
        return out[7];
    }

    @Benchmark
    public float prefill() {
        int width = HEADS * HEAD_DIM;
        attention.attention(q, 0, width, context, HEADS, 0, cache, AttentionMask.CAUSAL,
                (float) (1 / Math.sqrt(HEAD_DIM)), out, 0, width);
        return out[7];
    }

    /** The ViT layer through the tiled kernel: what the encoder runs ({@code Attention} exact, F32 cache). */
    @Benchmark
    public float vitLayerTiled() {
        int width = HEADS * VIT_HEAD_DIM;
        attention.flashAttention(vitQkv, 0, 3 * width, VIT_TOKENS, HEADS, 0, vit, AttentionMask.NONE, 0.125f,
                vitOut, 0, width);
        return vitOut[7];
    }

    /** The ViT layer through the two-pass kernel. */
    @Benchmark
    public float vitLayerF32() {
        int width = HEADS * VIT_HEAD_DIM;
        attention.attention(vitQkv, 0, 3 * width, VIT_TOKENS, HEADS, 0, vit, AttentionMask.NONE, 0.125f,
                vitOut, 0, width);
        return vitOut[7];
    }
}
