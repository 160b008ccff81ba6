package org.mlm4j.models.tokenizer;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.mlm4j.testing.Json;
import org.mlm4j.testing.TestData;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code testdata/oracle/text/tokenizer_tests.json}: the ids {@code llama-tokenize} printed for five
 * strings with every full vocabulary and the truncated vocabularies inside the oracle models.
 * Cases: default (add_special, parse_special), no_bos (no add_special), no_parse_special.
 */
class OracleTokenizerTest {
    @SuppressWarnings("unchecked")
    static Map<String, Object> oracle() throws IOException {
        String json = Files.readString(TestData.path("oracle/text/tokenizer_tests.json"), StandardCharsets.UTF_8);
        return (Map<String, Object>) Json.parse(json);
    }

    /** Where a vocab source of the JSON lives: a full vocab or a model file; null if not in this checkout. */
    static String fileOf(String source, String file) {
        String relative = source.startsWith("vocab:") ? "vocab/" + file : "oracle/text/models/" + file;
        try {
            TestData.path(relative);
            return relative;
        } catch (IllegalStateException missing) {
            return null;
        }
    }

    @Test
    void everyFullVocabAndMostModelVocabsArePresent() throws IOException {
        @SuppressWarnings("unchecked")
        var results = (Map<String, Map<String, Object>>) oracle().get("results");
        long present = results.entrySet().stream()
                .filter(e -> fileOf(e.getKey(), (String) e.getValue().get("file")) != null).count();
        assertThat(present).isGreaterThanOrEqualTo(7);
    }

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> idsMatchLlamaTokenize() throws IOException {
        Map<String, Object> oracle = oracle();
        var strings = (Map<String, String>) (Map<String, ?>) oracle.get("strings");
        var results = (Map<String, Map<String, Object>>) oracle.get("results");
        List<DynamicTest> tests = new ArrayList<>();
        for (var source : results.entrySet()) {
            String file = fileOf(source.getKey(), (String) source.getValue().get("file"));
            if (file == null) {
                continue;
            }
            Tokenizer tok = VocabSuiteTest.load(file);
            var ids = (Map<String, Map<String, List<Long>>>) source.getValue().get("ids");
            for (var byString : ids.entrySet()) {
                String text = strings.get(byString.getKey());
                for (var byCase : byString.getValue().entrySet()) {
                    int[] want = byCase.getValue().stream().mapToInt(Long::intValue).toArray();
                    boolean addSpecial = !byCase.getKey().equals("no_bos");
                    boolean parseSpecial = !byCase.getKey().equals("no_parse_special");
                    tests.add(DynamicTest.dynamicTest(source.getKey() + " " + byString.getKey() + " " + byCase.getKey(),
                            () -> assertThat(tok.encode(text, addSpecial, parseSpecial)).containsExactly(want)));
                }
            }
        }
        return tests.stream();
    }
}
