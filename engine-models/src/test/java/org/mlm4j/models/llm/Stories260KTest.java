package org.mlm4j.models.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mlm4j.testing.TestData;

/**
 * The real trained model stories260K (llama2.c's tinyllamas) against its golden greedy tokens
 * (testdata/expected/stories260K.greedy.json): the prompt evaluated as one batch, then one token
 * at a time.
 */
class Stories260KTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"once_upon_a_time_40", "bos_only_200"})
    void greedyTokensMatchTheGoldenOnes(String name) throws Exception {
        String json = Files.readString(TestData.path("expected/stories260K.greedy.json"));
        String section = json.substring(json.indexOf("\"" + name + "\""));
        int[] prompt = OracleFiles.intArray(section, "prompt_ids");
        int[] expected = OracleFiles.intArray(section, "generated_ids");
        try (CausalLM lm = CausalLM.open(TestData.path("models/stories260K.gguf"));
             Session session = lm.newSession(SessionOptions.DEFAULT)) {
            List<Integer> generated = new ArrayList<>();
            Generator.generate(session, prompt, OracleFiles::argmax, t -> false, expected.length, generated::add);
            assertThat(generated).containsExactly(java.util.Arrays.stream(expected).boxed().toArray(Integer[]::new));
        }
    }
}
