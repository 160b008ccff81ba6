package org.mlm4j.models.vision.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.testing.TestData;

/**
 * Bit-exactness against the references: {@code oracle/vision/pre} (llama.cpp clip.cpp, llamacpp
 * preset) and {@code oracle/vision-pytorch/{resized,pre}} (Pillow + CLIPImageProcessor, pytorch
 * preset). Mean/std come from the mmproj files the oracle used.
 */
class VisionPreprocessorOracleTest {
    private static final String OPENAI_MMPROJ = "oracle/vision/models/mmproj-ldpv2-f32.gguf";
    private static final String HALF_MMPROJ = "oracle/vision/models/mmproj-mlp-f32.gguf";

    @ParameterizedTest
    @CsvSource({"synth_240x320", "synth_640x480"})
    void decodedPixelsMatchTheManifestsHash(String image) throws Exception {
        String manifest = Files.readString(TestData.path("oracle/vision/cases/mlp-f32__" + image + ".json"));
        Matcher m = Pattern.compile("\"decoded_rgb_sha256\":\\s*\"([0-9a-f]{64})\"").matcher(manifest);
        assertThat(m.find()).isTrue();

        RgbImage decoded = ImageLoader.load(imagePath(image));

        assertThat(sha256(decoded.rgb())).isEqualTo(m.group(1));
    }

    @ParameterizedTest
    @CsvSource({
        "synth_240x320, 336_openai, " + OPENAI_MMPROJ,
        "synth_640x480, 336_openai, " + OPENAI_MMPROJ,
        "synth_240x320, 224_half, " + HALF_MMPROJ,
        "synth_640x480, 224_half, " + HALF_MMPROJ,
    })
    void llamacppPresetIsBitExactWithClipCpp(String image, String variant, String mmproj) throws Exception {
        VisionPreprocessor pre = preprocessor(VisionPreset.LLAMACPP, mmproj);

        float[] actual = pre.preprocess(ImageLoader.load(imagePath(image)));

        assertBitExact(actual, readFloats(TestData.path("oracle/vision/pre/" + image + "__" + variant + ".pre.f32")));
    }

    @ParameterizedTest
    @CsvSource({"synth_240x320", "synth_640x480"})
    void pytorchPresetIsBitExactWithPillowAndTransformers(String image) throws Exception {
        VisionPreprocessor pre = preprocessor(VisionPreset.PYTORCH, OPENAI_MMPROJ);
        String name = image + "__336_openai";

        RgbImage resized = pre.resize(ImageLoader.load(imagePath(image)));
        float[] normalised = pre.normalize(resized);

        byte[] expectedResized = Files.readAllBytes(TestData.path("oracle/vision-pytorch/resized/" + name + ".rgb.u8"));
        assertThat(resized.width()).isEqualTo(336);
        assertThat(resized.height()).isEqualTo(336);
        assertThat(firstDifference(resized.rgb(), expectedResized)).as("first differing byte").isEqualTo(-1);
        assertBitExact(normalised, readFloats(TestData.path("oracle/vision-pytorch/pre/" + name + ".pre.f32")));
    }

    static VisionPreprocessor preprocessor(VisionPreset preset, String mmproj) throws IOException {
        try (GgufFile file = GgufFile.open(TestData.path(mmproj))) {
            var meta = file.metadata();
            return new VisionPreprocessor(preset, meta.getInt("clip.vision.image_size"),
                    meta.getFloatArray("clip.vision.image_mean"), meta.getFloatArray("clip.vision.image_std"));
        }
    }

    private static Path imagePath(String image) {
        return TestData.path("oracle/vision/images/" + image + ".png");
    }

    private static void assertBitExact(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(expected[i])) {
                throw new AssertionError("float " + i + " (y=" + i / 3 / (int) Math.sqrt(expected.length / 3.0)
                        + ", channel " + i % 3 + "): expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    private static int firstDifference(byte[] a, byte[] b) {
        assertThat(a).hasSameSizeAs(b);
        return java.util.Arrays.mismatch(a, b);
    }

    static float[] readFloats(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(out);
        return out;
    }

    static String sha256(byte[] data) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
