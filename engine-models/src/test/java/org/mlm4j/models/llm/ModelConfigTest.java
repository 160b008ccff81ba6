package org.mlm4j.models.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlm4j.gguf.GgufFile;
import org.mlm4j.gguf.GgufWriter;
import org.mlm4j.models.llm.ModelConfig.Architecture;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Tensor;
import org.mlm4j.testing.TestData;

/** Hyper-parameters and tensor binding, with llama.cpp's defaults and loading errors. */
class ModelConfigTest {
    @TempDir
    Path dir;

    @Test
    void readsEveryHyperParameterOfStories260K() throws Exception {
        try (GgufFile gguf = GgufFile.open(TestData.path("models/stories260K.gguf"))) {
            ModelConfig c = ModelConfig.read(gguf);
            assertThat(c).isEqualTo(new ModelConfig(Architecture.LLAMA, 64, 5, 172, 8, 4, 8, 8, 10000f, 1f, 1e-5f,
                    2048, 0, 512));
        }
    }

    @Test
    void phi2HasPartialRotaryAndLayerNormEps() throws Exception {
        try (GgufFile gguf = GgufFile.open(OracleFiles.model("phi2_e128-F32"))) {
            ModelConfig c = ModelConfig.read(gguf);
            assertThat(c.architecture()).isEqualTo(Architecture.PHI2);
            assertThat(c.headDim()).isEqualTo(32);
            assertThat(c.ropeDims()).isEqualTo(12);
            assertThat(c.normEps()).isEqualTo(1e-5f);
            DecoderWeights w = DecoderWeights.bind(gguf, c);
            assertThat(w.layers()[0].wqkv().bias()).hasSize(3 * 128);
            assertThat(w.output().bias()).hasSize(2048);
            assertThat(w.outputNorm().bias()).hasSize(128);
        }
    }

    @Test
    void headCountKvAndRopeBaseHaveLlamaCppDefaults() throws Exception {
        Path p = rewrite("llama_e128-F32", w -> w.remove("llama.attention.head_count_kv").remove("llama.rope.freq_base"),
                t -> true);
        try (GgufFile gguf = GgufFile.open(p)) {
            ModelConfig c = ModelConfig.read(gguf);
            assertThat(c.headCountKv()).isEqualTo(c.headCount());
            assertThat(c.ropeBase()).isEqualTo(10000f);
            assertThat(c.ropeFreqScale()).isEqualTo(1f);
        }
        Path scaled = rewrite("llama_e128-F32", w -> w.put("llama.rope.scaling.type", "linear")
                .put("llama.rope.scaling.factor", 4f), t -> true);
        try (GgufFile gguf = GgufFile.open(scaled)) {
            assertThat(ModelConfig.read(gguf).ropeFreqScale()).isEqualTo(0.25f);
        }
    }

    @Test
    void missingOutputWeightTiesTheLmHeadToTheEmbedding() throws Exception {
        Path p = rewrite("llama_e128-F32", w -> { }, t -> !t.name().equals("output.weight"));
        try (GgufFile gguf = GgufFile.open(p)) {
            DecoderWeights w = DecoderWeights.bind(gguf, ModelConfig.read(gguf));
            assertThat(w.output().weight()).isSameAs(w.tokenEmbedding());
        }
    }

    @Test
    void requiredKeysTensorsAndShapesFailAsLlamaCpp() throws Exception {
        assertThatThrownBy(() -> open(rewrite("llama_e128-F32", w -> w.remove("llama.context_length"), t -> true)))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("llama.context_length");
        assertThatThrownBy(() -> open(rewrite("phi2_e128-F32", w -> w.remove("phi2.attention.layer_norm_epsilon"),
                t -> true)))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("layer_norm_epsilon");
        assertThatThrownBy(() -> open(rewrite("llama_e128-F32", w -> w.put("general.architecture", "gpt2"), t -> true)))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("unsupported model architecture 'gpt2'");
        assertThatThrownBy(() -> open(rewrite("phi2_e128-F32", w -> { }, t -> !t.name().equals("output.bias"))))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("missing tensor 'output.bias'");
        assertThatThrownBy(() -> open(rewrite("llama_e128-F32", w -> w.put("llama.feed_forward_length", 100), t -> true)))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("wrong shape");
        assertThatThrownBy(() -> open(rewrite("llama_e128-F32", w -> w.put("llama.rope.dimension_count", 16), t -> true)))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("n_rot");
        assertThatThrownBy(() -> open(rewrite("llama_e128-F32", w -> w.put("llama.rope.scaling.type", "yarn"), t -> true)))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("rope scaling type 'yarn'");
        assertThatThrownBy(() -> open(rewrite("llama_e128-F32",
                w -> w.addTensor("rope_freqs.weight", GgmlType.F32, new long[] {16}, new float[16]), t -> true)))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("rope_freqs");
        assertThatThrownBy(() -> open(rewrite("llama_e128-F32", w -> w.addTensor("blk.0.attn_q.weight", GgmlType.IQ4_NL,
                new long[] {128, 128}, new byte[128 * 128 / 32 * 18]), t -> !t.name().equals("blk.0.attn_q.weight"))))
                .hasMessageContaining("'blk.0.attn_q.weight' has tensor type iq4_nl").hasMessageContaining("does not compute");
    }

    private static void open(Path p) throws Exception {
        CausalLM.open(p).close();
    }

    /** A copy of an oracle model with edited metadata and only the tensors {@code keep} accepts. */
    private Path rewrite(String model, Consumer<GgufWriter> edit, Predicate<Tensor> keep) throws Exception {
        Path out = dir.resolve(model + "-" + System.nanoTime() + ".gguf");
        try (GgufFile src = GgufFile.open(OracleFiles.model(model))) {
            GgufWriter w = new GgufWriter().putAll(src.metadata());
            edit.accept(w);
            src.tensors().values().stream().filter(keep).forEach(w::addTensor);
            w.write(out);
        }
        return out;
    }
}
