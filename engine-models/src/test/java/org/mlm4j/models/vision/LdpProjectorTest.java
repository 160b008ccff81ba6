package org.mlm4j.models.vision;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.models.vision.image.VisionPreset;
import org.mlm4j.tensor.GgmlType;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MobileVLM v1's LDP projector has no oracle model: a small LDP mmproj (24×24 patch grid from a
 * 48-pixel image with 2-pixel patches) is written here and the engine is checked against the
 * float64 reference written from the PyTorch definition ({@link NaiveVisionReference}).
 */
class LdpProjectorTest {
    private static final RandomMmproj.Shape TINY_LDP =
            new RandomMmproj.Shape(48, 2, 32, 4, 64, 2, 64, ProjectorType.LDP, true);

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16"})
    void pytorchPresetMatchesTheFloat64Reference(GgmlType type) throws Exception {
        Path file = dir.resolve("ldp.gguf");
        RandomMmproj.write(file, TINY_LDP, type, 7);
        float[] image = randomImage(48, 11);
        try (ClipVisionModel m = ClipVisionModel.load(file, VisionPreset.PYTORCH); GgufFile f = GgufFile.open(file)) {
            assertThat(m.outputTokens()).isEqualTo(144);
            double[] actual = EmbeddingComparison.widen(m.encode(image));
            float[] expected = toFloats(new NaiveVisionReference(f).encode(image));
            assertThat(EmbeddingComparison.maxAbsDiff(expected, actual)).isLessThanOrEqualTo(1e-4);
            assertThat(EmbeddingComparison.minRowCosine(expected, actual, 64)).isGreaterThanOrEqualTo(0.99999);
        }
    }

    /** llama.cpp's structure (one block fewer, tanh GELU); what remains is ggml's fp16 rounding. */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16"})
    void llamacppPresetMatchesTheReferenceWithClipCppStructure(GgmlType type) throws Exception {
        Path file = dir.resolve("ldp.gguf");
        RandomMmproj.write(file, TINY_LDP, type, 7);
        float[] image = randomImage(48, 12);
        try (ClipVisionModel m = ClipVisionModel.load(file, VisionPreset.LLAMACPP); GgufFile f = GgufFile.open(file)) {
            double[] actual = EmbeddingComparison.widen(m.encode(image));
            float[] clipCpp = toFloats(new NaiveVisionReference(f, TINY_LDP.blocks() - 1, true).encode(image));
            float[] pytorch = toFloats(new NaiveVisionReference(f).encode(image));
            assertThat(EmbeddingComparison.maxAbsDiff(clipCpp, actual)).isLessThanOrEqualTo(2e-2);
            assertThat(EmbeddingComparison.minRowCosine(clipCpp, actual, 64)).isGreaterThanOrEqualTo(0.9999);
            assertThat(EmbeddingComparison.minRowCosine(pytorch, actual, 64)).isLessThan(0.999);
        }
    }

    static float[] randomImage(int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] hwc = new float[size * size * 3];
        for (int i = 0; i < hwc.length; i++) {
            hwc[i] = (float) (4 * r.nextDouble() - 2);
        }
        return hwc;
    }

    static float[] toFloats(double[][] rows) {
        double[] flat = EmbeddingComparison.flatten(rows);
        float[] v = new float[flat.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) flat[i];
        }
        return v;
    }
}
