package org.mlm4j.models.vision;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mlm4j.models.vision.image.VisionPreset;
import org.mlm4j.testing.TestData;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Image embeddings against the two oracles, from their preprocessed tensors:
 * llama.cpp's clip.cpp (oracle/vision, {@code llamacpp} preset; tolerances from its README) and the
 * PyTorch pipeline (oracle/vision-pytorch, {@code pytorch} preset).
 */
class ClipVisionModelOracleTest {
    /** oracle/vision/README.md: f32/f16 models, when rounding as ggml does. */
    private static final double LLAMACPP_MAX_ABS = 1e-2;
    /** Issue #5: the pytorch preset against the float64 reference. */
    private static final double PYTORCH_MAX_ABS = 1e-4;
    private static final double MIN_COSINE = 0.99999;

    @ParameterizedTest(name = "llamacpp {0} {1}")
    @CsvSource({
            "ldpv2-f32, synth_640x480, 336_openai, 144, 256",
            "ldpv2-f32, synth_240x320, 336_openai, 144, 256",
            "ldpv2-f16, synth_640x480, 336_openai, 144, 256",
            "ldpv2-f16, synth_240x320, 336_openai, 144, 256",
            "mlp-f32, synth_640x480, 224_half, 256, 256",
            "mlp-f32, synth_240x320, 224_half, 256, 256"})
    void matchesLlamaCpp(String model, String image, String pre, int tokens, int width) throws Exception {
        check(VisionPreset.LLAMACPP, "oracle/vision/models/mmproj-" + model + ".gguf",
                "oracle/vision/pre/" + image + "__" + pre + ".pre.f32",
                "oracle/vision/emb/" + model + "__" + image + ".emb.f32", tokens, width, LLAMACPP_MAX_ABS);
    }

    @ParameterizedTest(name = "pytorch ldpv2-f32 {0}")
    @CsvSource({"synth_640x480", "synth_240x320"})
    void matchesPytorch(String image) throws Exception {
        check(VisionPreset.PYTORCH, "oracle/vision/models/mmproj-ldpv2-f32.gguf",
                "oracle/vision-pytorch/pre/" + image + "__336_openai.pre.f32",
                "oracle/vision-pytorch/emb/ldpv2-f32__" + image + ".emb.f32", 144, 256, PYTORCH_MAX_ABS);
    }

    private static void check(VisionPreset preset, String model, String pre, String emb, int tokens, int width,
                              double maxAbs) throws Exception {
        try (ClipVisionModel m = ClipVisionModel.load(TestData.path(model), preset)) {
            assertThat(m.outputTokens()).isEqualTo(tokens);
            assertThat(m.embeddingLength()).isEqualTo(width);
            float[] expected = TestData.floats(emb);
            double[] actual = EmbeddingComparison.widen(m.encode(TestData.floats(pre)));
            assertThat(actual).hasSize(tokens * width);
            double diff = EmbeddingComparison.maxAbsDiff(expected, actual);
            double cosine = EmbeddingComparison.minRowCosine(expected, actual, width);
            System.out.printf("%s %s: max |d| %.3g, min cosine %.8f%n", preset, emb, diff, cosine);
            assertThat(diff).isLessThanOrEqualTo(maxAbs);
            assertThat(cosine).isGreaterThanOrEqualTo(MIN_COSINE);
        }
    }
}
