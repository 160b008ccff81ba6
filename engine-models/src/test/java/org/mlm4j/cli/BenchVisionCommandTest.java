package org.mlm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.mlm4j.testing.TestData;

/** {@code bench vision} on an oracle mmproj file: the first image and the next ones, each stage timed. */
class BenchVisionCommandTest {
    private static final String MMPROJ = TestData.path("oracle/vision/models/mmproj-ldpv2-f16.gguf").toString();
    private static final String IMAGE = TestData.path("oracle/vision/images/synth_240x320.png").toString();

    @Test
    void reportsTheFirstImageAndTheMeanOfTheNext() {
        CliRun run = CliRun.of("bench", "vision", "--mmproj", MMPROJ, "--image", IMAGE, "-r", "2", "--threads", "1",
                "--vision-preset", "llamacpp");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).containsPattern("mmproj-ldpv2-f16.gguf: 144 image tokens x 256, [0-9.]+ ViT GFLOP per image");
        String number = "[0-9]+\\.[0-9]";
        assertThat(run.out()).containsPattern("\\| first +\\| +" + number + " \\| +" + number + " \\| +" + number
                        + " \\| +" + number + " \\| +[0-9]+% \\|")
                .containsPattern("\\| next 2 +\\| +" + number + " ± " + number + " \\| +" + number + " ± " + number
                        + " \\| +" + number + " ± " + number + " \\| +" + number + " \\|");
    }

    @Test
    void rejectsAnEmptyRunCount() {
        CliRun run = CliRun.of("bench", "vision", "--mmproj", MMPROJ, "--image", IMAGE, "-r", "0");
        assertThat(run.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(run.err()).contains("-r must be >= 1");
    }
}
