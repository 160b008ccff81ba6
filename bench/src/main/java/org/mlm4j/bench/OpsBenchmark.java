package org.mlm4j.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.OpsKernels;
import org.mlm4j.kernels.Rope;
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
 * The row ops at the sizes a MobileLLaMA-1.4B layer uses (n_embd 2048, n_ff 5632, 16 heads of 128),
 * Vector API kernels against the scalar baseline ({@code impl=scalar}).
 *
 * <pre>java -jar bench/target/benchmarks.jar OpsBenchmark -f 1 -wi 2 -i 3 -w 1 -r 1</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:TypeProfileLevel=222"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class OpsBenchmark {
    @Param({"simd", "scalar"})
    public String impl;

    private static final int N_EMBD = 2048;
    private static final int N_FF = 5632;
    private static final int HEADS = 16;
    private static final int HEAD_DIM = 128;

    private OpsKernels ops;
    private float[] x;
    private float[] y;
    private float[] up;
    private float[] weight;
    private float[] bias;
    private float[] scores;
    private Rope normalRope;
    private Rope neoxRope;

    @Setup
    public void setup() {
        ops = "scalar".equals(impl) ? KernelProvider.scalar().ops() : KernelProvider.get().ops();
        Random random = new Random(1);
        x = new float[N_FF];
        y = new float[N_FF];
        up = new float[N_FF];
        for (int i = 0; i < N_FF; i++) {
            x[i] = (float) random.nextGaussian();
            up[i] = (float) random.nextGaussian();
        }
        weight = new float[N_EMBD];
        bias = new float[N_EMBD];
        for (int i = 0; i < N_EMBD; i++) {
            weight[i] = 1 + 0.1f * (float) random.nextGaussian();
            bias[i] = 0.1f * (float) random.nextGaussian();
        }
        scores = new float[4096];
        normalRope = Rope.of(Rope.Mode.NORMAL, HEAD_DIM, 10000f);
        neoxRope = Rope.of(Rope.Mode.NEOX, HEAD_DIM, 10000f);
    }

    @Benchmark
    public float rmsNorm2048() {
        ops.rmsNorm(x, 0, y, 0, N_EMBD, 1, weight, 1e-6f);
        return y[7];
    }

    @Benchmark
    public float layerNorm2048() {
        ops.layerNorm(x, 0, y, 0, N_EMBD, 1, weight, bias, 1e-5f);
        return y[7];
    }

    @Benchmark
    public float softmax4096() {
        System.arraycopy(x, 0, scores, 0, scores.length);
        ops.softmax(scores, 0, scores.length, 1, 0.125f, null, 0);
        return scores[7];
    }

    @Benchmark
    public float swiglu5632() {
        ops.swiglu(x, 0, up, 0, y, 0, N_FF);
        return y[7];
    }

    @Benchmark
    public float geluTable5632() {
        ops.gelu(x, 0, y, 0, N_FF);
        return y[7];
    }

    @Benchmark
    public float geluTanh5632() {
        ops.geluTanh(x, 0, y, 0, N_FF);
        return y[7];
    }

    @Benchmark
    public float add2048() {
        ops.add(x, 0, up, 0, y, 0, N_EMBD);
        return y[7];
    }

    @Benchmark
    public float ropeNormal16x128() {
        System.arraycopy(x, 0, y, 0, N_EMBD);
        ops.rope(normalRope, y, 0, N_EMBD, 1, HEADS, 1000);
        return y[7];
    }

    @Benchmark
    public float ropeNeox16x128() {
        System.arraycopy(x, 0, y, 0, N_EMBD);
        ops.rope(neoxRope, y, 0, N_EMBD, 1, HEADS, 1000);
        return y[7];
    }
}
