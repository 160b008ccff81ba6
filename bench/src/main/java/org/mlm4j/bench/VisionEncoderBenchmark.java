package org.mlm4j.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.mlm4j.kernels.Parallel;
import org.mlm4j.models.vision.ClipVisionModel;
import org.mlm4j.models.vision.RandomMmproj;
import org.mlm4j.models.vision.image.VisionPreset;
import org.mlm4j.tensor.GgmlType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One image through a random-weight mmproj at MobileVLM V2 1.7B's dimensions (ViT-L/14-336: 577
 * tokens, hidden 1024, 16 heads, ff 4096, 23 stored blocks; LDPv2 to 2048), from the preprocessed
 * tensor to the 144 image tokens (decode and preprocessing are timed by {@code embed-image}). The
 * mmproj file (≈0.6 GB in F16) is written to the temporary directory for the trial and deleted.
 * llama.cpp's clip on this machine: F16 4.61 s / 2.51 s, Q8_0 4.66 s / 2.47 s (1 / 2 threads).
 *
 * <pre>java -jar bench/target/benchmarks.jar VisionEncoderBenchmark -p type=F16 -p threads=1</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:TypeProfileLevel=222"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class VisionEncoderBenchmark {
    @Param({"F16", "Q8_0"})
    public String type;

    @Param({"1", "2"})
    public int threads;

    @Param({"llamacpp", "pytorch"})
    public String preset;

    private Path file;
    private ClipVisionModel model;
    private float[] image;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        Parallel.configure(threads);
        file = Files.createTempFile("mlm4j-bench-mmproj-", ".gguf");
        RandomMmproj.write(file, RandomMmproj.Shape.MOBILEVLM_V2, GgmlType.valueOf(type), 1);
        model = ClipVisionModel.load(file, VisionPreset.fromName(preset));
        SplittableRandom r = new SplittableRandom(2);
        image = new float[336 * 336 * 3];
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) (4 * r.nextDouble() - 2);
        }
    }

    @Benchmark
    public float[] encode() {
        return model.encode(image);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        model.close();
        Files.deleteIfExists(file);
    }
}
