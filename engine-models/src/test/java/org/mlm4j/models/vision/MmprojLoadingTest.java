package org.mlm4j.models.vision;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.gguf.GgufType;
import org.mlm4j.gguf.GgufWriter;
import org.mlm4j.models.vision.image.VisionPreset;
import org.mlm4j.tensor.GgmlType;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** mmproj files of every weight type load and encode; malformed ones fail at load with one clear message. */
class MmprojLoadingTest {
    /** K-quant blocks hold 256 values, so every linear layer's input width is 256. */
    private static final RandomMmproj.Shape TINY =
            new RandomMmproj.Shape(16, 2, 256, 4, 256, 2, 256, ProjectorType.MLP, false);

    private static final float[] IMAGE = LdpProjectorTest.randomImage(16, 5);
    /** The float64 reference on the F32 weights, computed once for every weight type. */
    private static float[] expected;

    @TempDir
    Path dir;

    @BeforeAll
    static void computeReference(@TempDir Path shared) throws Exception {
        Path reference = shared.resolve("f32.gguf");
        RandomMmproj.write(reference, TINY, GgmlType.F32, 3);
        try (GgufFile f = GgufFile.open(reference)) {
            expected = LdpProjectorTest.toFloats(new NaiveVisionReference(f).encode(IMAGE));
        }
    }

    /**
     * The FLOP count benchmarks divide by: TINY has 64 patches + CLS = 65 tokens, hidden 256, MLP 256;
     * llamacpp runs 1 of its 2 blocks, pytorch both.
     */
    @Test
    void vitFlopsCountThePatchEmbeddingAndTheBlocksThePresetRuns() throws Exception {
        Path file = dir.resolve("flops.gguf");
        RandomMmproj.write(file, TINY, GgmlType.F16, 3);
        long n = 65, h = 256, ff = 256;
        long patchEmbedding = 2L * 64 * (3 * 2 * 2) * h;
        long block = 2 * n * (3 * h * h + h * h + 2 * h * ff) + 2 * (2 * n * n * h);
        try (ClipVisionModel llamacpp = ClipVisionModel.load(file, VisionPreset.LLAMACPP);
             ClipVisionModel pytorch = ClipVisionModel.load(file, VisionPreset.PYTORCH)) {
            assertThat(llamacpp.vitFlops()).isEqualTo(patchEmbedding + block);
            assertThat(pytorch.vitFlops()).isEqualTo(patchEmbedding + 2 * block);
        }
    }

    /** Quantized weights against the float64 reference on the same weights before quantization. */
    @ParameterizedTest
    @CsvSource({"F16, 0.99999", "BF16, 0.999", "Q8_0, 0.9999", "Q4_0, 0.99", "Q4_K, 0.99", "Q6_K, 0.999", "Q5_K, 0.995"})
    void everyWeightTypeEncodesCloseToTheFloatModel(GgmlType type, double minCosine) throws Exception {
        Path quantized = dir.resolve(type + ".gguf");
        RandomMmproj.write(quantized, TINY, type, 3);
        try (ClipVisionModel m = ClipVisionModel.load(quantized, VisionPreset.PYTORCH)) {
            double[] actual = EmbeddingComparison.widen(m.encode(IMAGE));
            assertThat(actual).hasSize(64 * 256);
            assertThat(EmbeddingComparison.minRowCosine(expected, actual, 256)).isGreaterThanOrEqualTo(minCosine);
        }
    }

    /** PyTorch's unsqueezed {@code (C, 1, 3, 3)} depthwise kernel gives the same embeddings as the squeezed one. */
    @Test
    void readsDepthwiseKernelsStoredUnsqueezed() throws Exception {
        RandomMmproj.Shape ldpv2 = new RandomMmproj.Shape(48, 2, 32, 4, 32, 1, 32, ProjectorType.LDPV2, false);
        Path squeezed = dir.resolve("squeezed.gguf");
        RandomMmproj.write(squeezed, ldpv2, GgmlType.F32, 4);
        Path unsqueezed = dir.resolve("unsqueezed.gguf");
        try (GgufFile f = GgufFile.open(squeezed)) {
            GgufWriter w = new GgufWriter().putAll(f.metadata());
            for (var t : f.tensors().values()) {
                if (t.name().equals("mm.model.peg.0.weight")) {
                    w.addTensor(t.name(), t.type(), new long[] {3, 3, 1, 32}, sink -> sink.write(t.data()));
                } else {
                    w.addTensor(t);
                }
            }
            w.write(unsqueezed);
        }
        float[] image = LdpProjectorTest.randomImage(48, 6);
        try (ClipVisionModel a = ClipVisionModel.load(squeezed, VisionPreset.PYTORCH);
             ClipVisionModel b = ClipVisionModel.load(unsqueezed, VisionPreset.PYTORCH)) {
            float[] expected = a.encode(image);
            assertThat(EmbeddingComparison.maxAbsDiff(expected, EmbeddingComparison.widen(b.encode(image)))).isLessThan(1e-5);
        }
    }

    @Test
    void rejectsAnUnsupportedProjectorType() throws Exception {
        assertLoadFails(w -> w.put("clip.projector_type", "resampler"), "unsupported projector type 'resampler'");
    }

    @Test
    void namesAMissingTensor() throws Exception {
        Path base = dir.resolve("base.gguf");
        RandomMmproj.write(base, TINY, GgmlType.F32, 1);
        GgufWriter w = new GgufWriter();
        try (GgufFile f = GgufFile.open(base)) {
            w.putAll(f.metadata());
            f.tensors().values().stream().filter(t -> !t.name().equals("v.blk.1.attn_v.weight")).forEach(w::addTensor);
            w.write(dir.resolve("bad.gguf"));
        }
        assertThatThrownBy(() -> ClipVisionModel.load(dir.resolve("bad.gguf"), VisionPreset.PYTORCH))
                .hasMessageContaining("missing tensor 'v.blk.1.attn_v.weight'");
    }

    @Test
    void namesAMisShapedTensor() throws Exception {
        assertLoadFails(w -> w.put("clip.vision.feed_forward_length", GgufType.UINT32, 512),
                "tensor 'v.blk.0.ffn_down.weight' has shape [256, 256], expected [256, 512]");
    }

    @Test
    void rejectsTextEncodersAndFilesWithoutAProjector() throws Exception {
        assertLoadFails(w -> w.put("clip.has_text_encoder", true), "text encoders are not supported");
        assertLoadFails(w -> w.put("clip.has_llava_projector", false), "clip.has_llava_projector");
        assertLoadFails(w -> w.remove("clip.vision.image_size"), "clip.vision.image_size");
        assertLoadFails(w -> w.put("clip.vision.image_size", GgufType.UINT32, 51), "not a multiple of the patch size");
        assertLoadFails(w -> w.put("clip.vision.image_size", GgufType.UINT32, 131072), "image_size 131072 is above 4096");
    }

    @Test
    void rejectsAGridTheLdpProjectorsCannotPool() throws Exception {
        RandomMmproj.Shape small = new RandomMmproj.Shape(32, 2, 32, 4, 32, 1, 32, ProjectorType.LDPV2, false);
        Path file = dir.resolve("grid16.gguf");
        RandomMmproj.write(file, small, GgmlType.F32, 1);
        try (ClipVisionModel m = ClipVisionModel.load(file, VisionPreset.PYTORCH)) {
            assertThatThrownBy(() -> m.encode(new float[32 * 32 * 3])).hasMessageContaining("needs a 24x24 patch grid");
            assertThatThrownBy(() -> m.encode(new float[10])).hasMessageContaining("expected a 32x32x3 image");
        }
    }

    @Test
    void rejectsAFileThatIsNotGguf() throws Exception {
        Path file = dir.resolve("image.gguf");
        Files.write(file, new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 0});
        assertThatThrownBy(() -> ClipVisionModel.load(file, VisionPreset.PYTORCH)).hasMessageContaining("not a GGUF file");
    }

    private void assertLoadFails(java.util.function.Consumer<GgufWriter> change, String message) throws Exception {
        GgufWriter w = RandomMmproj.writer(TINY, GgmlType.F32, 1);
        change.accept(w);
        Path file = dir.resolve("changed.gguf");
        w.write(file);
        assertThatThrownBy(() -> ClipVisionModel.load(file, VisionPreset.PYTORCH)).hasMessageContaining(message);
    }
}
