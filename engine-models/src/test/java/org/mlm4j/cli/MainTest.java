package org.mlm4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlm4j.testing.TestData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line as users meet it: usage, help, exit codes and one-line errors. */
class MainTest {
    @TempDir
    Path dir;

    @Test
    void withoutArgumentsPrintsUsageOnStderrAndFails() {
        CliRun r = CliRun.of();
        assertThat(r.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("usage: java -jar mlm4j.jar COMMAND").contains("inspect");
    }

    @Test
    void helpListsTheCommands() {
        for (String help : new String[] {"--help", "-h", "help"}) {
            CliRun r = CliRun.of(help);
            assertThat(r.code()).isZero();
            assertThat(r.err()).isEmpty();
            assertThat(r.out()).contains("commands:").containsPattern("(?m)^  inspect +show a GGUF file")
                    .contains("MLM4J_NO_RELAUNCH=1");
        }
    }

    @Test
    void everyCommandHasHelp() {
        CliRun r = CliRun.of("inspect", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("usage: mlm4j inspect FILE.gguf [--json]").contains("--json").contains("exit status");
    }

    @Test
    void benchSubcommandsHaveTheirOwnHelp() {
        for (String sub : new String[] {"model", "kernels", "vision", "image-tokens"}) {
            CliRun r = CliRun.of("bench", sub, "--help");
            assertThat(r.code()).isZero();
            assertThat(r.out()).startsWith("usage: mlm4j bench " + sub + " ");
        }
        assertThat(CliRun.of("bench", "--help").out()).startsWith("usage: mlm4j bench SUBCOMMAND");
    }

    @Test
    void versionNamesTheKernels() {
        CliRun r = CliRun.of("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("mlm4j ").contains("Java " + Runtime.version().feature()).contains("kernels: ");
    }

    @Test
    void unknownCommand() {
        CliRun r = CliRun.of("inspcet", "x.gguf");
        assertThat(r.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).isEqualTo("mlm4j: unknown command 'inspcet' (mlm4j --help lists the commands)\n");
    }

    @Test
    void usageErrorsPointToHelp() {
        assertOneLineError(CliRun.of("inspect"), "mlm4j inspect: needs a FILE.gguf (see mlm4j inspect --help)");
        assertOneLineError(CliRun.of("inspect", "a.gguf", "b.gguf"), "mlm4j inspect: takes one file, got 2 (see mlm4j inspect --help)");
        assertOneLineError(CliRun.of("inspect", "--jsn", "a.gguf"), "mlm4j inspect: unknown option --jsn (see mlm4j inspect --help)");
    }

    @Test
    void missingFile() {
        Path missing = dir.resolve("missing.gguf");
        assertOneLineError(CliRun.of("inspect", missing.toString()), "mlm4j inspect: no such file: " + missing);
    }

    @Test
    void directory() {
        assertOneLineError(CliRun.of("inspect", dir.toString()), "mlm4j inspect: " + dir + " is a directory, not a GGUF file");
    }

    @Test
    void notAGgufFile() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.gguf"), "hello, world\n");
        assertOneLineError(CliRun.of("inspect", text.toString()),
                "mlm4j inspect: " + text + ": invalid GGUF at byte 0: not a GGUF file (magic 0x6c6c6568, expected \"GGUF\")");
    }

    @Test
    void corruptGgufIsOneLineUnlessVerbose() throws IOException {
        byte[] model = Files.readAllBytes(TestData.path("models/stories260K.gguf"));
        Path truncated = Files.write(dir.resolve("truncated.gguf"), Arrays.copyOf(model, 5000));
        CliRun r = CliRun.of("inspect", truncated.toString());
        assertThat(r.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("mlm4j inspect: " + truncated + ": invalid GGUF at byte ").contains("file ends inside")
                .hasLineCount(1);

        CliRun verbose = CliRun.of("inspect", truncated.toString(), "--verbose");
        assertThat(verbose.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(verbose.err()).startsWith(r.err()).contains("\tat org.mlm4j.gguf.GgufFile");
    }

    @Test
    void truncatedDataIsReportedWithTheTensor() throws IOException {
        byte[] model = Files.readAllBytes(TestData.path("models/stories260K.gguf"));
        Path truncated = Files.write(dir.resolve("short.gguf"), Arrays.copyOf(model, model.length - 100));
        CliRun r = CliRun.of("inspect", truncated.toString());
        assertThat(r.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("tensor 'blk.4.ffn_norm.weight' data").contains("lies outside the file").hasLineCount(1);
    }

    private static void assertOneLineError(CliRun r, String line) {
        assertThat(r.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo(line + "\n");
    }
}
