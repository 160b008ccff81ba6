package org.mlm4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlm4j.testing.TestData;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code mlm4j embed-image} from a PNG file to the oracle's preprocessed tensor and embeddings. */
class EmbedImageCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void writesTheOraclesPreprocessedImageAndEmbeddings() throws Exception {
        Path out = dir.resolve("emb.bin");
        Path pre = dir.resolve("pre.bin");
        int code = run("embed-image", "--mmproj", TestData.path("oracle/vision/models/mmproj-ldpv2-f16.gguf").toString(),
                "--image", TestData.path("oracle/vision/images/synth_240x320.png").toString(),
                "--vision-preset", "llamacpp", "--threads", "1", "--out", out.toString(), "--preprocessed-out", pre.toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(Files.readAllBytes(pre))
                .isEqualTo(Files.readAllBytes(TestData.path("oracle/vision/pre/synth_240x320__336_openai.pre.f32")));
        float[] expected = TestData.floats("oracle/vision/emb/ldpv2-f16__synth_240x320.emb.f32");
        float[] actual = TestData.floats(out.toString()); // an absolute path resolves to itself
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Math.abs(actual[i] - expected[i])).isLessThanOrEqualTo(1e-2f);
        }
        assertThat(err.toString()).containsPattern("synth_240x320.png 240x320 -> 144 tokens x 256: decode [0-9.]+ ms, preprocess [0-9.]+ ms, encode [0-9.]+ ms");
    }

    @Test
    void reportsBadInputInOneLine() throws Exception {
        Path notAnImage = dir.resolve("broken.png");
        Files.write(notAnImage, new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 1, 2, 3});
        String mmproj = TestData.path("oracle/vision/models/mmproj-mlp-f32.gguf").toString();
        assertThat(run("embed-image", "--mmproj", mmproj, "--image", notAnImage.toString(), "--out", dir.resolve("o").toString()))
                .isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(run("embed-image", "--mmproj", mmproj, "--image", notAnImage.toString(), "--out", "x",
                "--vision-preset", "tensorflow")).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(err.toString()).contains("unknown vision preset 'tensorflow'");
        assertThat(err.toString().lines()).hasSize(2).allMatch(l -> l.startsWith("mlm4j embed-image: "));
        assertThat(Files.exists(dir.resolve("o"))).isFalse();
    }
}
