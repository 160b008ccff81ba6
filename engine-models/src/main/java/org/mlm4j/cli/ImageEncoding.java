package org.mlm4j.cli;

import org.mlm4j.VisionEncoder;
import org.mlm4j.models.vision.image.ImageLoader;
import org.mlm4j.models.vision.image.RgbImage;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/** One image file through a {@link VisionEncoder}, each stage timed: what the image-taking commands print. */
record ImageEncoding(Path file, RgbImage decoded, float[] preprocessed, float[][] embeddings,
                     long decodeNanos, long preprocessNanos, long encodeNanos, long encodeCpuNanos) {

    static ImageEncoding run(VisionEncoder encoder, Path file) throws IOException {
        long t0 = System.nanoTime();
        RgbImage decoded = ImageLoader.load(file);
        long t1 = System.nanoTime();
        float[] pre = encoder.preprocess(decoded);
        long t2 = System.nanoTime();
        long cpu = ModelBench.processCpuNanos();
        float[][] embeddings = encoder.encodePreprocessed(pre);
        long t3 = System.nanoTime();
        return new ImageEncoding(file, decoded, pre, embeddings, t1 - t0, t2 - t1, t3 - t2,
                cpu < 0 ? -1 : ModelBench.processCpuNanos() - cpu);
    }

    /**
     * {@code image F WxH -> N tokens x E: decode … ms, preprocess … ms, encode … ms (cpu … ms)}; the
     * CPU time of the encode (all threads) tells how much of the wall time a busy machine took away.
     */
    void report(PrintStream err) {
        err.printf("image %s %dx%d -> %d tokens x %d: decode %.1f ms, preprocess %.1f ms, encode %.1f ms%s%n",
                file.getFileName(), decoded.width(), decoded.height(), embeddings.length, embeddings[0].length,
                decodeNanos / 1e6, preprocessNanos / 1e6, encodeNanos / 1e6,
                encodeCpuNanos < 0 ? "" : String.format(" (cpu %.1f ms)", encodeCpuNanos / 1e6));
    }
}
