package org.mlm4j.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The relaunch decision, command line and stderr filter. The relaunch of the real jar is checked
 * after packaging by .ci/run ({@code java -jar engine-models/target/mlm4j.jar --version}).
 */
class RelauncherTest {
    private static final Path JAR = Path.of("/opt/mlm4j/mlm4j.jar");
    private static final Optional<String> JAVA = Optional.of("/usr/bin/java");

    @Test
    void relaunchesOnlyAJarLaunchWithoutTheModule() {
        assertThat(Relauncher.shouldRelaunch(false, true, null, JAR, JAVA)).isTrue();
        assertThat(Relauncher.shouldRelaunch(false, true, "0", JAR, JAVA)).isTrue();
        assertThat(Relauncher.shouldRelaunch(true, true, null, JAR, JAVA)).as("module already loaded").isFalse();
        assertThat(Relauncher.shouldRelaunch(false, false, null, JAR, JAVA)).as("a runtime without the module").isFalse();
        assertThat(Relauncher.shouldRelaunch(false, true, "1", JAR, JAVA)).as("MLM4J_NO_RELAUNCH=1").isFalse();
        assertThat(Relauncher.shouldRelaunch(false, true, null, null, JAVA)).as("not started with -jar").isFalse();
        assertThat(Relauncher.shouldRelaunch(false, true, null, JAR, Optional.empty())).as("java command unknown").isFalse();
        // this test JVM has the module and was not started from the jar
        assertThat(Relauncher.shouldRelaunch()).isFalse();
    }

    @Test
    void theRelaunchKeepsTheJvmOptionsAndArguments() {
        assertThat(Relauncher.command("/usr/bin/java", List.of("-Xmx2g", "-Dmlm4j.vector=true"), JAR,
                new String[] {"inspect", "model file.gguf", "--json"}))
                .containsExactly("/usr/bin/java", "--add-modules", "jdk.incubator.vector", "-XX:CICompilerCount=4",
                        "-XX:TypeProfileLevel=222",
                        "-Xmx2g", "-Dmlm4j.vector=true",
                        "-jar", JAR.toString(), "inspect", "model file.gguf", "--json");
    }

    @Test
    void stderrLosesOnlyTheIncubatorWarning() throws IOException {
        String warning = Relauncher.INCUBATOR_WARNING;
        assertThat(filter(warning + "\nmlm4j inspect: no such file: x\n")).isEqualTo("mlm4j inspect: no such file: x\n");
        assertThat(filter(warning + "\r\nerror\n")).isEqualTo("error\n");
        assertThat(filter(warning + "\n")).isEmpty();
        assertThat(filter(warning)).isEmpty();
        assertThat(filter("")).isEmpty();
        assertThat(filter("error\n" + warning + "\n")).isEqualTo("error\n" + warning + "\n");
        assertThat(filter("WARNING: Using incubator modules: jdk.incubator.foreign\n"))
                .isEqualTo("WARNING: Using incubator modules: jdk.incubator.foreign\n");
        assertThat(filter("WARNING: Us")).isEqualTo("WARNING: Us");
        assertThat(filter(warning + "\n\rprogress 50%")).isEqualTo("\rprogress 50%");
    }

    private static String filter(String stderr) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Relauncher.copyWithoutIncubatorWarning(new ByteArrayInputStream(stderr.getBytes(StandardCharsets.UTF_8)), out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
