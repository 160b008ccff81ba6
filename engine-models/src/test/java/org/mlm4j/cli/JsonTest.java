package org.mlm4j.cli;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTest {
    @Test
    void writesAndParsesBack() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("type", "u32");
        inner.put("value", 7L);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("text", "quote \" backslash \\ newline \n tab \t bell \u0007 ünï ▁ 😀");
        root.put("numbers", List.of(0L, -12L, 1.5, 1.0E-5, Long.MAX_VALUE));
        root.put("flags", Arrays.asList(true, false, null));
        root.put("nested", List.of(inner, List.of()));
        root.put("empty", Map.of());
        String json = Json.write(root);
        assertThat(Json.parse(json)).isEqualTo(root);
        assertThat(json).contains("{\"type\": \"u32\", \"value\": 7}"); // small flat objects on one line
    }

    @Test
    void floatsKeepTheirShortestFormAndNonFiniteBecomesNull() {
        assertThat(Json.write(List.of(1e-5f, 0.1f, Float.NaN, Double.POSITIVE_INFINITY))).isEqualTo("[1.0E-5, 0.1, null, null]\n");
    }

    @Test
    void parsesWhatOtherToolsWrite() {
        assertThat(Json.parse(" {\"a\" : [1, 2.5e3, -0.0, \"\\u00e9\\n\"], \"b\": {}} ")).isEqualTo(
                Map.of("a", List.of(1L, 2500.0, -0.0, "é\n"), "b", Map.of()));
        assertThat(Json.parse("18446744073709551615")).isEqualTo(new BigInteger("18446744073709551615"));
    }

    @Test
    void rejectsInvalidJsonWithThePosition() {
        assertThatThrownBy(() -> Json.parse("{\"a\": }")).hasMessage("invalid JSON at character 6: unexpected character '}'");
        assertThatThrownBy(() -> Json.parse("[1, 2")).hasMessageContaining("expected ']'");
        assertThatThrownBy(() -> Json.parse("\"abc")).hasMessageContaining("unterminated string");
        assertThatThrownBy(() -> Json.parse("01")).hasMessageContaining("bad number '01'");
        assertThatThrownBy(() -> Json.parse("{} x")).hasMessageContaining("text after the JSON value");
        assertThatThrownBy(() -> Json.parse("[".repeat(10_000))).hasMessageContaining("nested deeper than");
    }
}
