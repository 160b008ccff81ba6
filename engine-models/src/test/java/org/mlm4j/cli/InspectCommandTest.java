package org.mlm4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.mlm4j.testing.TestData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code inspect} on every GGUF under testdata, checked against what others documented about the
 * files: testdata/PROVENANCE.md (stories260K, the vocabularies), the text oracle manifests and the
 * vision oracle cases.
 */
class InspectCommandTest {
    /** Files checked below; {@link #everyGgufUnderTestdataIsChecked} makes sure none is left out. */
    private static final Set<Path> CHECKED = new HashSet<>();

    @Test
    void stories260K() {
        Path file = TestData.path("models/stories260K.gguf");
        Map<String, Object> json = inspectJson(file);
        // PROVENANCE.md: v3, 19 KV, 48 tensors, all F32, 292,800 stored parameters
        assertThat(json.get("gguf_version")).isEqualTo(3L);
        assertThat(map(json, "metadata")).hasSize(19);
        assertThat(json.get("architecture")).isEqualTo("llama");
        assertThat(map(json, "hyperparameters")).containsEntry("n_vocab", 512L).containsEntry("n_embd", 64L)
                .containsEntry("n_layer", 5L).containsEntry("n_head", 8L).containsEntry("n_head_kv", 4L)
                .containsEntry("n_ff", 172L).containsEntry("n_rot", 8L).containsEntry("n_ctx_train", 2048L)
                .containsEntry("f_norm_rms_eps", 1.0E-5).doesNotContainKey("rope_freq_base");
        assertThat(list(json, "tensors")).hasSize(48);
        assertThat(map(json, "totals")).containsEntry("tensors", 48L).containsEntry("parameters", 292_800L)
                .containsEntry("bytes", 4 * 292_800L);
        assertThat(map(json, "types")).containsOnlyKeys("f32");
        Map<String, Map<String, Object>> tensors = tensorsByName(json);
        assertThat(tensors.get("token_embd.weight").get("shape")).isEqualTo(List.of(64L, 512L));
        assertThat(tensors.get("blk.0.attn_k.weight").get("shape")).isEqualTo(List.of(64L, 32L));
        assertThat(tensors.get("blk.4.ffn_down.weight").get("shape")).isEqualTo(List.of(172L, 64L));
        assertThat(tensors.get("output_norm.weight").get("bytes")).isEqualTo(256L);
        assertThat(map(map(json, "metadata"), "tokenizer.ggml.tokens"))
                .containsEntry("type", "arr[str]").containsEntry("length", 512L)
                .containsEntry("first", List.of("<unk>", "<s>", "</s>"));

        CliRun text = CliRun.of("inspect", file.toString());
        assertThat(text.code()).isZero();
        assertThat(text.err()).isEmpty();
        assertThat(text.out())
                .startsWith("stories260K.gguf: GGUF v3, 1185376 bytes, 19 metadata keys, 48 tensors")
                .contains("architecture: llama")
                .containsPattern("(?m)^  n_embd +64$")
                .containsPattern("(?m)^  n_layer +5$")
                .containsPattern("(?m)^  n_head +8$")
                .containsPattern("(?m)^  n_head_kv +4$")
                .containsPattern("(?m)^  n_vocab +512$")
                .containsPattern("(?m)^  tokenizer\\.ggml\\.tokens +arr\\[str] +\\[512 strings: \"<unk>\", \"<s>\", \"</s>\", \\.\\.\\.]$")
                .containsPattern("(?m)^  tokenizer\\.ggml\\.padding_token_id +u32 +4294967295$")
                .containsPattern("(?m)^  token_embd\\.weight +f32 +64 x 512 +32768 +131072 +\\d+$")
                .containsPattern("(?m)^  blk\\.4\\.ffn_down\\.weight +f32 +172 x 64 +11008 +44032 +\\d+$")
                .contains("total: 48 tensors, 292800 parameters, 1171200 bytes (1.12 MiB), 32.00 bits per parameter")
                .containsPattern("(?m)^  f32 +48 +292800 +1171200 +100\\.0%$");
    }

    static Stream<Path> textManifests() throws IOException {
        return jsonFiles("oracle/text/manifests");
    }

    private static Stream<Path> jsonFiles(String dir) throws IOException {
        try (Stream<Path> s = Files.list(TestData.path(dir))) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("textManifests")
    void oracleTextModels(Path manifestFile) throws IOException {
        Map<String, Object> manifest = asMap(Json.parse(Files.readString(manifestFile)));
        Path file = TestData.path("oracle/text/" + manifest.get("file"));
        Map<String, Object> json = inspectJson(file);
        assertThat(json.get("file_size")).isEqualTo(manifest.get("file_size"));
        assertThat(json.get("architecture")).isEqualTo(manifest.get("arch"));
        Map<String, Object> hyper = map(json, "hyperparameters");
        assertThat(hyper.get("n_vocab")).isEqualTo(manifest.get("n_vocab"));
        // the generator's parameters, by the generator's names → inspect's (llama.cpp's) names
        Map<String, String> names = Map.of("n_embd", "n_embd", "n_layer", "n_layer", "n_head", "n_head",
                "n_head_kv", "n_head_kv", "n_ff", "n_ff", "n_ctx_train", "n_ctx_train", "d_state", "ssm_d_state",
                "d_conv", "ssm_d_conv", "dt_rank", "ssm_dt_rank");
        Map<String, Object> gen = map(manifest, "gen_params");
        int compared = 0;
        for (var e : names.entrySet()) {
            if (gen.containsKey(e.getKey())) {
                assertThat(hyper.get(e.getValue())).as(e.getValue()).isEqualTo(gen.get(e.getKey()));
                compared++;
            }
        }
        assertThat(compared).isGreaterThanOrEqualTo(4);
        for (String[] eps : new String[][] {{"rms_eps", "f_norm_rms_eps"}, {"ln_eps", "f_norm_eps"}}) {
            if (gen.containsKey(eps[0])) {
                assertThat(((Number) hyper.get(eps[1])).floatValue()).isEqualTo(((Number) gen.get(eps[0])).floatValue());
            }
        }
        assertTensorTypes(json, map(manifest, "tensor_types"));
        Map<String, Object> counts = new HashMap<>();
        map(json, "types").forEach((type, c) -> counts.put(type.toUpperCase(Locale.ROOT), asMap(c).get("tensors")));
        assertThat(counts).isEqualTo(map(manifest, "tensor_type_counts"));
    }

    static Stream<Path> visionCases() throws IOException {
        return jsonFiles("oracle/vision/cases");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("visionCases")
    void oracleVisionModels(Path caseFile) throws IOException {
        Map<String, Object> c = asMap(Json.parse(Files.readString(caseFile)));
        Map<String, Object> model = map(c, "model");
        Map<String, Object> json = inspectJson(TestData.path("oracle/vision/" + model.get("file")));
        assertThat(json.get("architecture")).isEqualTo("clip");
        assertThat(map(json, "hyperparameters"))
                .containsEntry("projector_type", c.get("projector_type"))
                .containsEntry("image_size", model.get("image_size"))
                .containsEntry("patch_size", model.get("patch_size"))
                .containsEntry("n_embd", model.get("hidden"))
                .containsEntry("n_head", model.get("heads"))
                .containsEntry("n_layer", model.get("block_count"))
                .containsEntry("use_gelu", model.get("use_gelu"));
        for (String key : new String[] {"image_mean", "image_std"}) {
            List<?> expected = (List<?>) model.get(key);
            List<?> actual = (List<?>) map(json, "hyperparameters").get(key);
            assertThat(actual).hasSameSizeAs(expected);
            for (int i = 0; i < expected.size(); i++) {
                assertThat(((Number) actual.get(i)).floatValue()).isEqualTo(((Number) expected.get(i)).floatValue());
            }
        }
        assertTensorTypes(json, map(model, "tensor_types"));
    }

    /** testdata/PROVENANCE.md, "vocab/": vocabulary-only files (0 tensors), model, pre-tokenizer and size. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "ggml-vocab-llama-spm.gguf, , llama, default, 32000",
            "ggml-vocab-phi-3.gguf, phi3, llama, default, 32064",
            "ggml-vocab-gpt-2.gguf, , gpt2, gpt-2, 50257",
            "ggml-vocab-mpt.gguf, , gpt2, mpt, 50432",
            "ggml-vocab-gpt-neox.gguf, gptneox, gpt2, , 50432",
    })
    void vocabularyOnlyFiles(String name, String arch, String model, String pre, long vocab) {
        Path file = TestData.path("vocab/" + name);
        Map<String, Object> json = inspectJson(file);
        assertThat(list(json, "tensors")).isEmpty();
        assertThat(map(json, "totals")).containsEntry("tensors", 0L).containsEntry("bytes", 0L);
        assertThat(map(json, "hyperparameters")).containsEntry("n_vocab", vocab);
        if (arch != null) {
            assertThat(json.get("architecture")).isEqualTo(arch);
        }
        Map<String, Object> meta = map(json, "metadata");
        assertThat(map(meta, "tokenizer.ggml.model")).containsEntry("value", model);
        if (pre == null) {
            assertThat(meta).doesNotContainKey("tokenizer.ggml.pre");
        } else {
            assertThat(map(meta, "tokenizer.ggml.pre")).containsEntry("value", pre);
        }
        CliRun text = CliRun.of("inspect", file.toString());
        assertThat(text.code()).isZero();
        assertThat(text.out()).contains(", 0 tensors, ").contains("total: 0 tensors, 0 parameters, 0 bytes")
                .doesNotContain("tensors (").doesNotContain("by type:");
    }

    @Test
    void everyGgufUnderTestdataIsChecked() throws Exception {
        // the other tests of this class record what they inspect; run them first when alone
        stories260K();
        for (Path m : textManifests().toList()) {
            oracleTextModels(m);
        }
        for (Path c : visionCases().toList()) {
            oracleVisionModels(c);
        }
        for (String v : new String[] {"llama-spm", "phi-3", "gpt-2", "mpt", "gpt-neox"}) {
            inspectJson(TestData.path("vocab/ggml-vocab-" + v + ".gguf"));
        }
        Set<Path> all;
        try (Stream<Path> s = Files.walk(TestData.path("models").getParent())) {
            all = new HashSet<>(s.filter(p -> p.toString().endsWith(".gguf")).map(p -> p.toAbsolutePath().normalize()).toList());
        }
        assertThat(all).isNotEmpty();
        assertThat(CHECKED).containsAll(all);
    }

    private static void assertTensorTypes(Map<String, Object> json, Map<String, Object> expected) {
        Map<String, Object> actual = new HashMap<>();
        tensorsByName(json).forEach((name, t) -> actual.put(name, ((String) t.get("type")).toUpperCase(Locale.ROOT)));
        assertThat(actual).isEqualTo(expected);
    }

    private static Map<String, Object> inspectJson(Path file) {
        CliRun r = CliRun.of("inspect", "--json", file.toString());
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
        CHECKED.add(file.toAbsolutePath().normalize());
        return asMap(Json.parse(r.out()));
    }

    private static Map<String, Map<String, Object>> tensorsByName(Map<String, Object> json) {
        Map<String, Map<String, Object>> byName = new HashMap<>();
        for (Object t : list(json, "tensors")) {
            byName.put((String) asMap(t).get("name"), asMap(t));
        }
        return byName;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    private static Map<String, Object> map(Map<String, Object> json, String key) {
        return asMap(json.get(key));
    }

    private static List<?> list(Map<String, Object> json, String key) {
        assertThat(json.get(key)).isInstanceOf(List.class);
        return (List<?>) json.get(key);
    }
}
