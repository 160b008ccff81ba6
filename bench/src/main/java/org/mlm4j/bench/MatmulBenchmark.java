package org.mlm4j.bench;

import java.util.concurrent.TimeUnit;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.MatmulKernels;
import org.mlm4j.kernels.Parallel;
import org.mlm4j.kernels.SyntheticWeights;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Tensor;
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
 * Matvec (batch 1, decode) and matmul (prefill batches; ViT-L with 577 tokens) per weight type at
 * the shapes of MobileLLaMA-1.4B ({@code rows x cols}: 2048x2048 attention, 5632x2048 up/gate,
 * 2048x5632 down, 32000x2048 LM head) and CLIP ViT-L (1024x1024, 4096x1024, 1024x4096), with
 * llama.cpp numerics; the scalar kernels ({@code impl=scalar}) are the baseline. Weights are
 * random, quantized by ggml's reference quantizers into off-heap memory.
 *
 * <p>GFLOP/s = 2·rows·cols·batch / time; weight GB/s = bytes of W / time. A few cases:
 * <pre>
 * java -jar bench/target/benchmarks.jar MatmulBenchmark.lm -p type=Q4_0,Q8_0 -p shape=5632x2048 -p lmBatch=1,64 -f 1 -wi 3 -i 5
 * java -jar bench/target/benchmarks.jar MatmulBenchmark.vit -p type=F16 -f 1 -wi 3 -i 5
 * </pre>
 * {@code mlm4j bench kernels} prints the same figures as GB/s against the measured bandwidth.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:TypeProfileLevel=222"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MatmulBenchmark {

    /** State shared by both benchmark families: weights, activations, kernels. */
    @State(Scope.Benchmark)
    public abstract static class Case {
        @Param({"simd", "scalar"})
        public String impl;

        @Param({"1"})
        public int threads;

        MatmulKernels kernels;
        Tensor w;
        float[] x;
        float[] y;
        int batch;

        void setUp(GgmlType type, String shape, int batch) {
            String[] rc = shape.split("x");
            int rows = Integer.parseInt(rc[0]);
            int cols = Integer.parseInt(rc[1]);
            Parallel.configure(threads);
            kernels = impl.equals("scalar") ? KernelProvider.scalar().matmul() : KernelProvider.get().matmul();
            w = SyntheticWeights.gaussian(type, rows, cols, 1, 64);
            x = SyntheticWeights.activations(batch, cols, 2);
            y = new float[rows * batch];
            this.batch = batch;
        }
    }

    @State(Scope.Benchmark)
    public static class Lm extends Case {
        @Param({"Q4_0", "Q8_0", "Q4_K", "Q6_K", "F16"})
        public String type;

        @Param({"2048x2048", "5632x2048", "2048x5632", "32000x2048"})
        public String shape;

        @Param({"1", "16", "64", "512"})
        public int lmBatch;

        @Setup
        public void setUp() {
            setUp(GgmlType.valueOf(type), shape, lmBatch);
        }
    }

    @State(Scope.Benchmark)
    public static class Vit extends Case {
        @Param({"F16", "F32", "Q8_0"})
        public String type;

        @Param({"1024x1024", "4096x1024", "1024x4096"})
        public String shape;

        @Setup
        public void setUp() {
            setUp(GgmlType.valueOf(type), shape, 577);
        }
    }

    @Benchmark
    public float[] lm(Lm s) {
        s.kernels.matmul(s.w, s.x, 0, s.y, 0, s.batch);
        return s.y;
    }

    @Benchmark
    public float[] vit(Vit s) {
        s.kernels.matmul(s.w, s.x, 0, s.y, 0, s.batch);
        return s.y;
    }
}
