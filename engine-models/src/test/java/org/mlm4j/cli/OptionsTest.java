package org.mlm4j.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OptionsTest {
    private static Options parse(String... args) {
        return new Options("test", List.of(args));
    }

    @Test
    void valuesFlagsAndPositionals() {
        Options o = parse("model.gguf", "--n", "16", "--temp=0.7", "--json", "--prompt", "-5 degrees", "--seed", "-3");
        assertThat(o.integer("n", 1)).isEqualTo(16);
        assertThat(o.real("temp", 1f)).isEqualTo(0.7f);
        assertThat(o.flag("json")).isTrue();
        assertThat(o.flag("absent")).isFalse();
        assertThat(o.string("prompt", null)).isEqualTo("-5 degrees");
        assertThat(o.integer("seed", 0)).isEqualTo(-3);
        assertThat(o.integer("threads", 4)).isEqualTo(4);
        assertThat(o.positional()).containsExactly("model.gguf");
        o.finish();
    }

    @Test
    void aFlagBeforeAPositionalKeepsThePositional() {
        Options o = parse("--json", "a.gguf", "b.gguf");
        assertThat(o.flag("json")).isTrue();
        assertThat(o.positional()).containsExactly("a.gguf", "b.gguf");
    }

    @Test
    void mistakesAreUsageErrors() {
        assertThatThrownBy(() -> parse("--n", "many").integer("n", 1))
                .isInstanceOf(UsageException.class).hasMessage("--n takes a whole number, got 'many'");
        assertThatThrownBy(() -> parse("--temp", "hot").real("temp", 1f)).hasMessage("--temp takes a number, got 'hot'");
        assertThatThrownBy(() -> parse("--model").string("model", null)).hasMessage("--model needs a value");
        assertThatThrownBy(() -> parse().requiredString("model")).hasMessage("--model is required");
        Options typo = parse("--modle", "x.gguf");
        typo.string("model", null);
        assertThatThrownBy(typo::finish).isInstanceOf(UsageException.class).hasMessage("unknown option --modle");
        parse("--verbose").finish(); // read by Main for every command
    }
}
