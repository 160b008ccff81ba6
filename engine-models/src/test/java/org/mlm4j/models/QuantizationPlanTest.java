package org.mlm4j.models;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlm4j.gguf.FileType;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.gguf.GgufType;
import org.mlm4j.gguf.GgufWriter;
import org.mlm4j.gguf.QuantizationPlan;
import org.mlm4j.models.llm.ModelConfig.Architecture;
import org.mlm4j.models.llm.RandomModel;
import org.mlm4j.tensor.GgmlType;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mlm4j.tensor.GgmlType.F32;
import static org.mlm4j.tensor.GgmlType.Q2_K;
import static org.mlm4j.tensor.GgmlType.Q3_K;
import static org.mlm4j.tensor.GgmlType.Q4_K;
import static org.mlm4j.tensor.GgmlType.Q5_0;
import static org.mlm4j.tensor.GgmlType.Q5_K;
import static org.mlm4j.tensor.GgmlType.Q6_K;
import static org.mlm4j.tensor.GgmlType.Q8_0;

/**
 * The K-quant mixes on a random LLaMA with n_embd 256, 8 layers and 4 query heads per KV head,
 * against llama.cpp's rules (src/llama-quant.cpp, llama_tensor_get_type) worked out by hand:
 * {@code use_more_bits(i, 8)} picks layers 0, 3, 6 and 7 (i < 8/8, i >= 7*8/8, (i - 1) % 3 == 2).
 */
class QuantizationPlanTest {
    private static final Set<Integer> MORE_BITS = Set.of(0, 3, 6, 7);

    @TempDir
    static Path dir;

    private static Map<String, GgmlType> plan(int ff, FileType type, QuantizationPlan.Settings settings) throws Exception {
        Path file = dir.resolve("llama-256-" + ff + ".gguf");
        if (!file.toFile().exists()) {
            RandomModel.write(new RandomModel.Dims("test-256", Architecture.LLAMA, 256, 8, ff, 8, 2, 512, 256, 32),
                    F32, 1, file);
        }
        try (GgufFile f = GgufFile.open(file)) {
            return QuantizationPlan.of(f, type, settings).types();
        }
    }

    private static Map<String, GgmlType> plan(FileType type) throws Exception {
        return plan(512, type, QuantizationPlan.Settings.DEFAULT);
    }

    @Test
    void q4KMGivesQ6KToAttnVAndFfnDownInTheLayersUseMoreBitsPicks() throws Exception {
        Map<String, GgmlType> plan = plan(FileType.Q4_K_M);
        for (int i = 0; i < 8; i++) {
            GgmlType more = MORE_BITS.contains(i) ? Q6_K : Q4_K;
            assertThat(plan).containsEntry("blk." + i + ".attn_v.weight", more).containsEntry("blk." + i + ".ffn_down.weight", more)
                    .containsEntry("blk." + i + ".attn_q.weight", Q4_K).containsEntry("blk." + i + ".attn_k.weight", Q4_K)
                    .containsEntry("blk." + i + ".attn_output.weight", Q4_K).containsEntry("blk." + i + ".ffn_up.weight", Q4_K)
                    .containsEntry("blk." + i + ".ffn_gate.weight", Q4_K).containsEntry("blk." + i + ".attn_norm.weight", F32);
        }
        assertThat(plan).containsEntry("output.weight", Q6_K).containsEntry("token_embd.weight", Q4_K)
                .containsEntry("output_norm.weight", F32);
    }

    @Test
    void otherKMixes() throws Exception {
        Map<String, GgmlType> s = plan(FileType.Q4_K_S);
        Map<String, GgmlType> m5 = plan(FileType.Q5_K_M);
        Map<String, GgmlType> q3m = plan(FileType.Q3_K_M);
        Map<String, GgmlType> q2 = plan(FileType.Q2_K);
        Map<String, GgmlType> q6 = plan(FileType.Q6_K);
        for (int i = 0; i < 8; i++) {
            String p = "blk." + i + ".";
            assertThat(s).as("Q4_K_S: attn_v of the first 4 layers, ffn_down of the first n/8")
                    .containsEntry(p + "attn_v.weight", i < 4 ? Q5_K : Q4_K).containsEntry(p + "ffn_down.weight", i < 1 ? Q5_K : Q4_K);
            assertThat(m5).containsEntry(p + "attn_v.weight", MORE_BITS.contains(i) ? Q6_K : Q5_K)
                    .containsEntry(p + "ffn_down.weight", MORE_BITS.contains(i) ? Q6_K : Q5_K).containsEntry(p + "attn_q.weight", Q5_K);
            assertThat(q3m).containsEntry(p + "attn_v.weight", i < 2 ? Q5_K : Q4_K).containsEntry(p + "ffn_down.weight", Q4_K)
                    .containsEntry(p + "attn_output.weight", Q4_K).containsEntry(p + "ffn_up.weight", Q3_K);
            assertThat(q2).as("n_gqa 4").containsEntry(p + "attn_v.weight", Q4_K).containsEntry(p + "ffn_down.weight", Q3_K)
                    .containsEntry(p + "attn_output.weight", Q3_K).containsEntry(p + "attn_q.weight", Q2_K);
            assertThat(q6).containsEntry(p + "attn_v.weight", Q6_K).containsEntry(p + "ffn_down.weight", Q6_K);
        }
        for (Map<String, GgmlType> plan : java.util.List.of(s, m5, q3m, q2, q6)) {
            assertThat(plan).containsEntry("output.weight", Q6_K);
        }
    }

    @Test
    void phi2sFusedQkvGetsOneStepMoreInTheMMixes() throws Exception {
        Path file = dir.resolve("phi2-256.gguf");
        RandomModel.write(new RandomModel.Dims("test-phi2-256", Architecture.PHI2, 256, 8, 512, 8, 8, 512, 256, 32), F32, 1, file);
        try (GgufFile f = GgufFile.open(file)) {
            Map<String, GgmlType> q4km = QuantizationPlan.of(f, FileType.Q4_K_M, QuantizationPlan.Settings.DEFAULT).types();
            Map<String, GgmlType> q5km = QuantizationPlan.of(f, FileType.Q5_K_M, QuantizationPlan.Settings.DEFAULT).types();
            for (int i = 0; i < 8; i++) {
                assertThat(q4km).containsEntry("blk." + i + ".attn_qkv.weight", Q5_K).containsEntry("blk." + i + ".attn_qkv.bias", F32)
                        .containsEntry("blk." + i + ".ffn_down.weight", MORE_BITS.contains(i) ? Q6_K : Q4_K);
                assertThat(q5km).containsEntry("blk." + i + ".attn_qkv.weight", Q6_K);
            }
        }
    }

    @Test
    void rowsThatAreNotWholeSuperBlocksFallBack() throws Exception {
        Map<String, GgmlType> plan = plan(320, FileType.Q4_K_M, QuantizationPlan.Settings.DEFAULT);
        for (int i = 0; i < 8; i++) {
            assertThat(plan).as("ffn_down rows of 320: Q6_K -> Q8_0, Q4_K -> Q5_0")
                    .containsEntry("blk." + i + ".ffn_down.weight", MORE_BITS.contains(i) ? Q8_0 : Q5_0)
                    .containsEntry("blk." + i + ".ffn_up.weight", Q4_K);
        }
    }

    @Test
    void pureAndOverrides() throws Exception {
        Map<String, GgmlType> pure = plan(512, FileType.Q4_K_M, new QuantizationPlan.Settings(true, null, GgmlType.Q8_0, false, false));
        assertThat(pure).containsEntry("blk.0.attn_v.weight", Q4_K).containsEntry("blk.0.ffn_down.weight", Q4_K)
                .containsEntry("output.weight", Q4_K).containsEntry("token_embd.weight", Q8_0).containsEntry("output_norm.weight", F32);
        Map<String, GgmlType> q8 = plan(512, FileType.Q8_0, new QuantizationPlan.Settings(false, GgmlType.F16, null, false, false));
        assertThat(q8).containsEntry("output.weight", GgmlType.F16).containsEntry("blk.0.ffn_down.weight", Q8_0);
        Map<String, GgmlType> leave = plan(512, FileType.Q4_K_M, new QuantizationPlan.Settings(false, null, null, false, true));
        assertThat(leave).containsEntry("output.weight", F32).containsEntry("blk.0.ffn_down.weight", Q6_K);
    }

    @Test
    void tiedEmbeddingIsTheOutputAndLayersComeInLlamaCppsOrder() throws Exception {
        Path file = dir.resolve("tied.gguf");
        new GgufWriter().put("general.architecture", "llama").put("llama.block_count", GgufType.UINT32, 11)
                .addTensor("blk.10.attn_v.weight", F32, new long[] {256, 64}, new float[256 * 64])
                .addTensor("token_embd.weight", F32, new long[] {256, 64}, new float[256 * 64])
                .addTensor("blk.2.attn_v.weight", F32, new long[] {256, 64}, new float[256 * 64])
                .addTensor("blk.2.attn_norm.weight", F32, new long[] {256}, new float[256])
                .write(file);
        try (GgufFile f = GgufFile.open(file)) {
            Map<String, GgmlType> plan = QuantizationPlan.of(f, FileType.Q4_0, QuantizationPlan.Settings.DEFAULT).types();
            assertThat(plan.keySet()).containsExactly("token_embd.weight", "blk.2.attn_norm.weight",
                    "blk.2.attn_v.weight", "blk.10.attn_v.weight");
            assertThat(plan).containsEntry("token_embd.weight", Q6_K).containsEntry("blk.2.attn_v.weight", GgmlType.Q4_0);
            assertThatThrownBy(() -> QuantizationPlan.of(f, FileType.Q4_K_M, new QuantizationPlan.Settings(false, null, GgmlType.IQ4_NL, false, false)))
                    .hasMessageContaining("token_embd.weight").hasMessageContaining("iq4_nl");
        }
    }

    @Test
    void fileTypeNames() {
        assertThat(FileType.parse("q4_k")).isEqualTo(FileType.Q4_K_M);
        assertThat(FileType.parse("Q5_K_S")).isEqualTo(FileType.Q5_K_S);
        assertThat(FileType.parse("15")).isEqualTo(FileType.Q4_K_M);
        assertThat(FileType.parse("bf16").id).isEqualTo(32);
        assertThatThrownBy(() -> FileType.parse("iq2_xxs")).hasMessageContaining("unknown quantization type");
    }
}
