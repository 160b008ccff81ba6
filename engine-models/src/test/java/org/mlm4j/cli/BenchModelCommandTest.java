package org.mlm4j.cli;

import org.junit.jupiter.api.Test;
import org.mlm4j.testing.TestData;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code bench model}: the tests it prints, and the session memory it reports per context depth. */
class BenchModelCommandTest {

    /** The "state MB" column of the rows whose test starts with {@code tg}. */
    private static List<Double> tgStateMegabytes(String out) {
        List<String> header = Arrays.stream(out.lines().findFirst().orElseThrow().split("\\|")).map(String::trim).toList();
        int column = header.indexOf("state MB");
        assertThat(column).as("state MB column in " + header).isPositive();
        return out.lines().filter(l -> l.contains("| tg"))
                .map(l -> Double.parseDouble(l.split("\\|")[column].trim()))
                .toList();
    }

    @Test
    void transformerKvCacheGrowsWithDepth() {
        CliRun run = CliRun.of("bench", "model", "--model", TestData.path("models/stories260K.gguf").toString(),
                "-p", "4", "-n", "2", "-r", "1", "-d", "0,64,512", "--threads", "1");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("| pp4 ", "| tg2 ", "| tg2 @ d64 ", "| tg2 @ d512 ");
        List<Double> state = tgStateMegabytes(run.out());
        assertThat(state).hasSize(3);
        assertThat(state.get(2)).isGreaterThan(state.get(1) * 4).isGreaterThan(state.get(0) * 40);
    }

    @Test
    void mambaStateIsTheSameAtEveryDepth() {
        CliRun run = CliRun.of("bench", "model", "--model",
                TestData.path("oracle/text/models/mamba_e128-F32.gguf").toString(),
                "-p", "0", "-n", "2", "-r", "1", "-d", "0,64,512", "--threads", "1");
        assertThat(run.code()).as(run.err()).isZero();
        List<Double> state = tgStateMegabytes(run.out());
        assertThat(state).hasSize(3).allMatch(mb -> mb > 0).containsOnly(state.get(0));
    }

    @Test
    void badDepthIsAUsageError() {
        CliRun run = CliRun.of("bench", "model", "--model", TestData.path("models/stories260K.gguf").toString(),
                "-d", "12,x");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err().lines().count()).isEqualTo(1);
        assertThat(run.err()).contains("-d");
        assertThat(Arrays.asList(run.out().split("\n"))).noneMatch(l -> l.contains("| tg"));
    }
}
