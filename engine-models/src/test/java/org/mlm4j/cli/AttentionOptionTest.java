package org.mlm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@code --attention} through the CLI: a window and linear attention run past the context, a bad
 * spec is a usage error.
 */
class AttentionOptionTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void windowGeneratesPastTheContextWhereExactStops() {
        String[] common = {"generate", "--demo", "--prompt", "Once upon a time", "--ctx", "32", "-n", "80", "--temp", "0",
            "--threads", "1"};
        Run exact = run(common);
        assertThat(exact.code()).isZero();
        assertThat(exact.err()).contains("decode 27 tokens").contains("stop: context full");
        for (String spec : new String[] {"window:16,sinks:4", "linear:elu"}) {
            String[] streaming = java.util.Arrays.copyOf(common, common.length + 2);
            streaming[common.length] = "--attention";
            streaming[common.length + 1] = spec;
            Run streamed = run(streaming);
            assertThat(streamed.code()).as(spec).isZero();
            assertThat(streamed.err()).as(spec).contains("decode 80 tokens").contains("stop: limit");
            assertThat(streamed.out().length()).as(spec).isGreaterThan(exact.out().length());
        }
    }

    @Test
    void badSpecIsAUsageError() {
        Run bad = run("generate", "--demo", "--prompt", "x", "--attention", "window:0");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--attention").contains("window");
    }
}
