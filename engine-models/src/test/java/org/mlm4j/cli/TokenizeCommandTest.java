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

class TokenizeCommandTest {
    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String vocab(String name) {
        return TestData.path("vocab/ggml-vocab-" + name + ".gguf").toString();
    }

    @Test
    void printsIdsLikeLlamaTokenize() {
        // tokenizer_tests.json, vocab:llama-spm, string "special", cases default and no_bos / no_parse_special
        String special = "<s>Hi</s> <|endoftext|> <|user|>\nWhat is 2+2?<|end|>\n<|assistant|>\n";
        Result r = run("tokenize", "--model", vocab("phi-3"), "--text", special);
        assertThat(r.code).isZero();
        assertThat(r.out).isEqualTo("1 1 6324 2 32000 259 32010 1724 338 29871 29906 29974 29906 29973 32007 32001\n");
        assertThat(run("tokenize", "--model", vocab("phi-3"), "--text", special, "--no-bos").out)
                .isEqualTo("1 6324 2 32000 259 32010 1724 338 29871 29906 29974 29906 29973 32007 32001\n");
        String english = "Hello world! The quick brown fox jumps over the lazy dog. It's 3:45pm, isn't it?";
        assertThat(run("tokenize", "--model", vocab("gpt-2"), "--text", english).out)
                .isEqualTo("15496 995 0 383 2068 7586 21831 18045 625 262 16931 3290 13 632 338 513 25 2231 4426 11 2125 470 340 30\n");
    }

    @Test
    void noParseSpecialAndPieces() {
        Result r = run("tokenize", "--model", vocab("llama-spm"), "--text", "<s>Hi", "--no-parse-special", "--pieces");
        assertThat(r.code).isZero();
        assertThat(r.out.lines()).containsExactly(
                "     1 -> '<s>'", "   529 -> ' <'", " 29879 -> 's'", " 29958 -> '>'", " 18567 -> 'Hi'");
        // the llama emoji falls back to byte tokens, each shown as its byte
        assertThat(run("tokenize", "--model", vocab("llama-spm"), "--text", "🦙", "--no-bos", "--pieces").out.lines())
                .containsExactly(" 29871 -> ' '", "   243 -> '\\xF0'", "   162 -> '\\x9F'", "   169 -> '\\xA6'", "   156 -> '\\x99'");
    }

    @Test
    void readsTheExactBytesOfAFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("in.txt");
        Files.writeString(f, "Hello world\n", StandardCharsets.UTF_8);
        assertThat(run("tokenize", "--model", vocab("gpt-2"), "--file", f.toString()).out).isEqualTo("15496 995 198\n");
    }

    @Test
    void badInputIsOneLineAndExitCode2() {
        Result missing = run("tokenize", "--model", "/no/such/model.gguf", "--text", "x");
        assertThat(missing.code).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(missing.err.lines()).hasSize(1).first().asString().contains("no such file");
        Result noText = run("tokenize", "--model", vocab("gpt-2"));
        assertThat(noText.code).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(noText.err).contains("--text");
        Result typo = run("tokenize", "--model", vocab("gpt-2"), "--text", "x", "--no-boss");
        assertThat(typo.code).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(typo.err).contains("unknown option --no-boss");
        Result notGguf = run("tokenize", "--model", TestData.path("vocab/ggml-vocab-gpt-2.gguf.inp").toString(), "--text", "x");
        assertThat(notGguf.code).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(notGguf.err.lines()).hasSize(1);
    }
}
