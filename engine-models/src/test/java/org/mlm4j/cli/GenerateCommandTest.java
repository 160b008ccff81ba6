package org.mlm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlm4j.testing.TestData;

/** generate, chat, logits, bench model and make-model as users run them. */
class GenerateCommandTest {
    @TempDir
    Path dir;

    @Test
    void greedyStoriesContinuationIsTheGoldenOne() throws Exception {
        String json = Files.readString(TestData.path("expected/stories260K.greedy.json"));
        String section = json.substring(json.indexOf("\"once_upon_a_time_40\""));
        Matcher m = Pattern.compile("\"generated_text\":\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(section);
        assertThat(m.find()).isTrue();
        String expected = m.group(1).replace("\\\"", "\"").replace("\\n", "\n");
        CliRun r = CliRun.of("generate", "--demo", "--prompt", "Once upon a time", "--temp", "0", "-n", "40");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("Once upon a time" + expected);
        assertThat(r.err()).containsPattern("load \\d+ ms \\| prompt 5 tokens, [0-9.]+ tokens/s \\| decode 40 tokens");
    }

    @Test
    void greedyFromBosAloneReproducesLlama2cByteForByte() throws Exception {
        CliRun r = CliRun.of("generate", "--model", TestData.path("models/stories260K.gguf").toString(), "--prompt", "",
                "--temp", "0", "-n", "200");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(Files.readString(TestData.path("expected/stories260K.llama2c-test_all.expected.txt")));
    }

    /** The oracle prompt through the model's own tokenizer, then 16 greedy tokens, printed as llama.cpp prints them. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"llama_e128-Q8_0", "phi2_e128-Q8_0", "phi2_e128-F32"})
    void greedyTextOfTheOracleModelsIsLlamaCpps(String model) throws Exception {
        String manifest = Files.readString(TestData.path("oracle/text/manifests/" + model + ".json"));
        Matcher prompt = Pattern.compile("\"prompt\":\\s*\"([^\"]*)\"").matcher(manifest);
        Matcher pieces = Pattern.compile("\"greedy_pieces_hex\":\\s*\\[([^\\]]*)]").matcher(manifest);
        assertThat(prompt.find() && pieces.find()).isTrue();
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        expected.writeBytes(prompt.group(1).getBytes(StandardCharsets.UTF_8));
        for (String hex : pieces.group(1).replaceAll("[\\s\"]", "").split(",")) {
            expected.writeBytes(java.util.HexFormat.of().parseHex(hex));
        }
        CliRun r = CliRun.of("generate", "--model", TestData.path("oracle/text/models/" + model + ".gguf").toString(),
                "--prompt", prompt.group(1), "--temp", "0", "-n", "16");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(expected.toString(StandardCharsets.UTF_8));
    }

    @Test
    void sameSeedSameText() {
        String[] args = {"generate", "--demo", "--prompt", "Lily", "-n", "30", "--seed", "7", "--temp", "1"};
        CliRun a = CliRun.of(args);
        CliRun b = CliRun.of(args);
        assertThat(a.code()).isZero();
        assertThat(a.out()).isEqualTo(b.out()).startsWith("Lily").hasSizeGreaterThan("Lily".length());
    }

    @Test
    void badInputIsOneLineAndExitCode2() throws Exception {
        assertOneLineError(CliRun.of("generate", "--model", dir.resolve("missing.gguf").toString(), "--prompt", "x"),
                "no such file");
        assertOneLineError(CliRun.of("generate", "--demo", "--ctx", "4", "--prompt", "Once upon a time there was a"),
                "do not fit in the context of 4");
        Path mmproj = Files.list(TestData.path("oracle/vision/models")).filter(p -> p.toString().endsWith(".gguf"))
                .findFirst().orElseThrow();
        assertOneLineError(CliRun.of("logits", "--model", mmproj.toString(), "--tokens", "1", "--out",
                dir.resolve("x.bin").toString()), "unsupported model architecture 'clip'");
        assertOneLineError(CliRun.of("generate", "--demo", "--prompt", "x", "--kv-type", "q8"), "--kv-type");
        assertOneLineError(CliRun.of("logits", "--demo", "--tokens", "1,999", "--out", dir.resolve("y.bin").toString()),
                "--model is required");
    }

    private static void assertOneLineError(CliRun r, String message) {
        assertThat(r.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err().strip()).doesNotContain("\n").contains(message);
    }

    @Test
    void logitsWritesEveryPositionAsLlamaCppDoes() throws Exception {
        Path out = dir.resolve("logits.bin");
        String manifest = Files.readString(TestData.path("oracle/text/manifests/llama_e128-F32.json"));
        Matcher m = Pattern.compile("\"prompt_ids\":\\s*\\[([^\\]]*)]").matcher(manifest);
        assertThat(m.find()).isTrue();
        String ids = m.group(1).replaceAll("\\s", "");
        CliRun r = CliRun.of("logits", "--model", TestData.path("oracle/text/models/llama_e128-F32.gguf").toString(),
                "--tokens", ids, "--out", out.toString(), "--kv-type", "f32");
        assertThat(r.code()).as(r.err()).isZero();
        float[] got = floats(Files.readAllBytes(out));
        float[] expected = floats(Files.readAllBytes(TestData.path("oracle/text/logits/llama_e128-F32.kvf32.bin")));
        assertThat(got).hasSameSizeAs(expected);
        for (int i = 0; i < got.length; i++) {
            assertThat(got[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f));
        }
    }

    private static float[] floats(byte[] bytes) {
        float[] f = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    @Test
    void chatAnswersEachLineOfPipedStdin() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ChatCommand chat = new ChatCommand(new ByteArrayInputStream("Tom had a dog.\n\nThe dog ran.\n".getBytes(StandardCharsets.UTF_8)));
        int code = chat.run(new Options("chat", List.of("--demo", "--temp", "0", "-n", "12")),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isZero();
        String[] answers = out.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(answers).hasSize(2).allSatisfy(a -> assertThat(a).isNotBlank());
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("template raw").contains("decode");
    }

    @Test
    void randomModelAtGivenDimsLoadsAndBenchmarks() throws Exception {
        Path model = dir.resolve("tiny.gguf");
        CliRun made = CliRun.of("make-model", "--dims", "tiny", "--arch", "phi3", "--type", "q8_0", "--out", model.toString());
        assertThat(made.code()).as(made.err()).isZero();
        CliRun bench = CliRun.of("bench", "model", "--model", model.toString(), "-p", "8", "-n", "4", "-r", "1",
                "--threads", "1");
        assertThat(bench.code()).as(bench.err()).isZero();
        assertThat(bench.out()).containsPattern("pp8 +[0-9.]+ ±").containsPattern("tg4 +[0-9.]+ ±");
    }
}
