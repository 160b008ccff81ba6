package org.mlm4j.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.mlm4j.models.vision.image.ImageLoader;
import org.mlm4j.models.vision.image.RgbImage;
import org.mlm4j.models.vision.image.VisionPreprocessor;
import org.mlm4j.models.vision.image.VisionPreset;
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
 * Image decode and preprocessing to 336×336 (OpenAI mean/std), each preset, on the repository's
 * test images (run from the repository root).
 *
 * <pre>java -jar bench/target/benchmarks.jar ImageBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ImageBenchmark {
    private static final float[] OPENAI_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] OPENAI_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    @State(Scope.Thread)
    public static class Image {
        @Param({"testdata/images/retina.jpg", "testdata/images/clip_diagram.png"})
        public String image;

        Path file;
        RgbImage decoded;

        @Setup
        public void setup() throws IOException {
            file = Path.of(image);
            decoded = ImageLoader.load(file);
        }
    }

    @State(Scope.Thread)
    public static class Preset {
        @Param({"pytorch", "llamacpp"})
        public String preset;

        VisionPreprocessor preprocessor;

        @Setup
        public void setup() {
            preprocessor = new VisionPreprocessor(VisionPreset.fromName(preset), 336, OPENAI_MEAN, OPENAI_STD);
        }
    }

    @Benchmark
    public RgbImage decode(Image image) throws IOException {
        return ImageLoader.load(image.file);
    }

    @Benchmark
    public float[] preprocess(Image image, Preset preset) {
        return preset.preprocessor.preprocess(image.decoded);
    }
}
