package org.mlm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlm4j.TinyMultimodalModel;
import org.mlm4j.testing.TestData;

/** {@code --image-tokens} and {@code --fastv} through the CLI, and {@code bench image-tokens}, on {@link TinyMultimodalModel}. */
class VisualTokenReductionCommandsTest {
    @TempDir
    static Path dir;
    static TinyMultimodalModel tiny;
    static String image;

    @BeforeAll
    static void writeModels() throws Exception {
        tiny = TinyMultimodalModel.write(dir);
        image = TestData.path("oracle/vision/images/synth_640x480.png").toString();
    }

    private static CliRun generate(String... extra) {
        String[] base = {"generate", "--model", tiny.model().toString(), "--mmproj", tiny.mmproj().toString(),
                "--image", image, "--prompt", "What is in the image?", "-n", "3", "--temp", "0", "--threads", "1"};
        String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return CliRun.of(all);
    }

    @Test
    void generatePoolsTheImageTokensAndPrunesWithFastV() {
        CliRun pooled = generate("--image-tokens", "36");
        assertThat(pooled.code()).as(pooled.err()).isZero();
        assertThat(pooled.err()).contains("-> 36 tokens x 256");

        CliRun pruned = generate("--fastv", "1:0.5");
        assertThat(pruned.code()).as(pruned.err()).isZero();
        assertThat(pruned.err()).contains("-> 144 tokens x 256").containsPattern("decode [0-9]+ tokens");

        CliRun noLayerLeft = generate("--fastv", "2:0.5");
        assertThat(noLayerLeft.code()).isEqualTo(2);
        assertThat(noLayerLeft.err()).contains("the model has 2 layers");
        assertThat(generate("--fastv", "half").err()).contains("--fastv").contains("K:R");
        assertThat(generate("--image-tokens", "50").err()).contains("--image-tokens").contains("not a square");
        assertThat(generate("--image-tokens", "169").err()).contains("only 144");
    }

    @Test
    void embedImageWritesThePooledTokens() throws Exception {
        Path out = dir.resolve("pooled.f32");
        CliRun run = CliRun.of("embed-image", "--mmproj", tiny.mmproj().toString(), "--image", image,
                "--out", out.toString(), "--image-tokens", "64", "--threads", "1");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(Files.size(out)).isEqualTo(64L * 256 * Float.BYTES);
    }

    @Test
    void benchComparesEachSettingWithTheFullPath() {
        CliRun run = CliRun.of("bench", "image-tokens", "--model", tiny.model().toString(), "--mmproj",
                tiny.mmproj().toString(), "--image", image, "--settings", "36,fastv:1:0", "--prompt", "<image>\nWhat is it?", "-n", "3", "-r", "1",
                "--threads", "1");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("| full (144 tokens) |").contains("| 3/3 | 1.0000 | 1.0000 |")
                .contains("| 36 tokens |").containsPattern("\\| fastv 1:0 \\| [0-9]+ \\| 144 \\| .* \\| 3/3 \\| 1\\.0000 \\| 1\\.0000 \\|");
    }
}
