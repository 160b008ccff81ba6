package org.mlm4j.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mlm4j.testing.TestData;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The oracle's Mamba models through the CLI: {@code generate --temp 0} prints the prompt and then
 * exactly llama.cpp's greedy continuation (GPT-NeoX tokenizer with the {@code mpt} pre-tokenizer,
 * the model, and streaming detokenization together).
 */
class MambaCommandsTest {

    @ParameterizedTest
    @ValueSource(strings = {"mamba_e128-F32", "mamba_e128-Q8_0"})
    void greedyGenerationPrintsLlamaCppsText(String model) {
        Map<String, Object> manifest = TestData.json("oracle/text/manifests/" + model + ".json");
        String prompt = (String) manifest.get("prompt");
        CliRun run = CliRun.of("generate", "--model", TestData.path("oracle/text/models/" + model + ".gguf").toString(),
                "--prompt", prompt, "--temp", "0", "-n", "16", "--threads", "1");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out().stripTrailing()).isEqualTo(prompt + manifest.get("greedy_text"));
        assertThat(run.err()).contains("decode 16 tokens");
    }
}
