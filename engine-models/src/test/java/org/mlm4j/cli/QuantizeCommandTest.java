package org.mlm4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Tensor;
import org.mlm4j.testing.TestData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code quantize} against llama.cpp's own {@code llama-quantize} outputs in the text oracle (made
 * from the F32 files of the same folder, README there): every tensor's type (the manifests'
 * {@code tensor_types}) and bytes, every metadata key and value, and in the end the whole file.
 */
class QuantizeCommandTest {
    private static final String MODELS = "oracle/text/models/";

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({
            "llama_e128-F32, llama_e128-Q8_0, q8_0",
            "llama_e128-F32, llama_e128-Q4_0, Q4_0",
            "phi2_e128-F32, phi2_e128-Q8_0, q8_0",
            "mamba_e128-F32, mamba_e128-Q8_0, 7", // llama.cpp's number for Q8_0
            "llama_e128-F16, llama_e128-Q4_0, q4_0", // the F16 file holds the F32 file's values
    })
    void givesLlamaQuantizesTensorsAndMetadata(String input, String expected, String type) throws Exception {
        Path in = TestData.path(MODELS + input + ".gguf");
        Path out = dir.resolve(expected + ".gguf");
        String digestBefore = sha256(in);

        CliRun run = CliRun.of("quantize", in.toString(), out.toString(), type);

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).contains("wrote " + out);
        assertThat(sha256(in)).as("the input is not modified").isEqualTo(digestBefore);
        @SuppressWarnings("unchecked")
        Map<String, String> manifestTypes = (Map<String, String>) TestData.json("oracle/text/manifests/" + expected + ".json")
                .get("tensor_types");
        try (GgufFile mine = GgufFile.open(out); GgufFile llama = GgufFile.open(TestData.path(MODELS + expected + ".gguf"))) {
            assertThat(new ArrayList<>(mine.tensors().keySet())).as("llama.cpp's tensor order")
                    .containsExactlyElementsOf(manifestTypes.keySet());
            for (Tensor t : mine.tensors().values()) {
                Tensor ref = llama.tensor(t.name());
                assertThat(t.type().ggmlName()).as(t.name()).isEqualToIgnoringCase(manifestTypes.get(t.name()));
                assertThat(t.type()).as(t.name()).isEqualTo(ref.type());
                assertThat(t.shape()).as(t.name()).isEqualTo(ref.shape());
                assertThat(t.data().mismatch(ref.data())).as(t.name() + ": first differing byte").isEqualTo(-1L);
            }
            assertThat(new ArrayList<>(mine.metadata().keys())).as("keys in llama.cpp's order")
                    .containsExactlyElementsOf(llama.metadata().keys());
            for (String key : llama.metadata().keys()) {
                assertThat(mine.metadata().type(key)).as(key).isEqualTo(llama.metadata().type(key));
                assertThat(mine.metadata().get(key)).as(key).isEqualTo(llama.metadata().get(key));
            }
        }
        if (input.endsWith("F32")) {
            assertThat(Files.mismatch(out, TestData.path(MODELS + expected + ".gguf"))).as("byte-identical file").isEqualTo(-1L);
        }
    }

    /** llama-quantize does not load mmproj files; the same rules apply, patch and position embeddings kept. */
    @Test
    void mmprojMatricesAreQuantized() throws Exception {
        Path in = TestData.path("oracle/vision/models/mmproj-ldpv2-f32.gguf");
        Path out = dir.resolve("mmproj-q8_0.gguf");

        CliRun run = CliRun.of("quantize", in.toString(), out.toString(), "q8_0");

        assertThat(run.code()).as(run.err()).isZero();
        try (GgufFile source = GgufFile.open(in); GgufFile f = GgufFile.open(out)) {
            assertThat(f.tensors().keySet()).containsExactlyInAnyOrderElementsOf(source.tensors().keySet());
            for (Tensor t : f.tensors().values()) {
                Tensor s = source.tensor(t.name());
                boolean matrix = t.rank() >= 2 && t.name().endsWith(".weight") && t.ne(0) % 32 == 0
                        && !t.name().contains("patch_embd") && !t.name().contains("position_embd");
                assertThat(t.type()).as(t.name()).isEqualTo(matrix ? GgmlType.Q8_0 : s.type());
            }
            assertThat(f.tensor("v.blk.0.attn_v.weight").type()).isEqualTo(GgmlType.Q8_0);
        }
    }

    @Test
    void overridesAndPureTypes() throws Exception {
        Path in = TestData.path(MODELS + "llama_e128-F32.gguf");
        Path out = dir.resolve("mixed.gguf");

        CliRun run = CliRun.of("quantize", in.toString(), out.toString(), "q8_0", "--pure",
                "--output-tensor-type", "f16", "--token-embedding-type", "q4_1");

        assertThat(run.code()).as(run.err()).isZero();
        try (GgufFile f = GgufFile.open(out)) {
            assertThat(f.tensor("output.weight").type()).isEqualTo(GgmlType.F16);
            assertThat(f.tensor("token_embd.weight").type()).isEqualTo(GgmlType.Q4_1);
            assertThat(f.tensor("blk.1.ffn_down.weight").type()).isEqualTo(GgmlType.Q8_0);
            assertThat(f.tensor("blk.1.ffn_norm.weight").type()).isEqualTo(GgmlType.F32);
            assertThat(f.metadata().getLong("general.file_type")).isEqualTo(7);
        }
    }

    /** The oracle's F32 and F16 files hold the same values (README there), so each converts into the other. */
    @ParameterizedTest
    @CsvSource({"llama_e128-F32, f16, llama_e128-F16, 1", "llama_e128-F16, f32, llama_e128-F32, 0"})
    void floatFileTypes(String input, String type, String expected, long fileType) throws Exception {
        Path out = dir.resolve(type + ".gguf");

        CliRun run = CliRun.of("quantize", TestData.path(MODELS + input + ".gguf").toString(), out.toString(), type);

        assertThat(run.code()).as(run.err()).isZero();
        try (GgufFile mine = GgufFile.open(out); GgufFile convert = GgufFile.open(TestData.path(MODELS + expected + ".gguf"))) {
            assertThat(mine.metadata().getLong("general.file_type")).isEqualTo(fileType);
            for (Tensor t : convert.tensors().values()) {
                assertThat(mine.tensor(t.name()).type()).as(t.name()).isEqualTo(t.type());
                assertThat(mine.tensor(t.name()).data().mismatch(t.data())).as(t.name()).isEqualTo(-1L);
            }
        }
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws Exception {
        Path model = TestData.path(MODELS + "llama_e128-F32.gguf");
        Path q8 = TestData.path(MODELS + "llama_e128-Q8_0.gguf");
        Path notGguf = Files.writeString(dir.resolve("text.gguf"), "not a model");
        Path truncated = dir.resolve("truncated.gguf");
        Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(model), 5000));
        Path copy = Files.copy(model, dir.resolve("copy.gguf"));
        String out = dir.resolve("out.gguf").toString();

        assertError(CliRun.of("quantize", dir.resolve("missing.gguf").toString(), out, "q8_0"), "no such file");
        assertError(CliRun.of("quantize", notGguf.toString(), out, "q8_0"), "");
        assertError(CliRun.of("quantize", truncated.toString(), out, "q8_0"), "");
        assertError(CliRun.of("quantize", model.toString(), out, "q7_0"), "unknown quantization type 'q7_0'");
        assertError(CliRun.of("quantize", model.toString(), out), "needs IN.gguf OUT.gguf TYPE");
        assertError(CliRun.of("quantize", model.toString(), out, "q8_0", "--output-tensor-type", "q9"), "not a ggml tensor type");
        assertError(CliRun.of("quantize", q8.toString(), out, "q4_0"), "--allow-requantize");
        assertError(CliRun.of("quantize", model.toString(), out, "q4_k_m", "--pure"), "--pure has no fallback");
        assertError(CliRun.of("quantize", model.toString(), out, "q8_0", "--output-tensor-type", "iq4_nl"), "cannot quantize to iq4_nl");
        String before = sha256(copy);
        assertError(CliRun.of("quantize", copy.toString(), copy.toString(), "q8_0"), "is the input file");
        assertThat(sha256(copy)).isEqualTo(before);
        assertThat(dir.resolve("out.gguf")).doesNotExist();
    }

    @Test
    void requantizesWhenAllowed() throws Exception {
        Path out = dir.resolve("requant.gguf");

        CliRun run = CliRun.of("quantize", TestData.path(MODELS + "llama_e128-Q8_0.gguf").toString(), out.toString(),
                "q4_0", "--allow-requantize");

        assertThat(run.code()).as(run.err()).isZero();
        try (GgufFile f = GgufFile.open(out)) {
            assertThat(f.tensor("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.Q4_0);
            assertThat(f.tensor("output.weight").type()).as("already q8_0: copied").isEqualTo(GgmlType.Q8_0);
        }
    }

    private static void assertError(CliRun run, String message) {
        assertThat(run.code()).as(run.err()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(run.err().strip()).contains(message).doesNotContain("\n").startsWith("mlm4j quantize: ");
    }

    private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
