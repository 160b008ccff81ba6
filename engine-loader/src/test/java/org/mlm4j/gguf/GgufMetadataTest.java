package org.mlm4j.gguf;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GgufMetadataTest {
    private final GgufMetadata meta = metadata();

    private static GgufMetadata metadata() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("llama.block_count", 5);
        v.put("big", 1L << 40);
        v.put("eps", 1e-5f);
        v.put("name", "stories");
        v.put("flag", false);
        v.put("tokens", GgufArray.ofStrings("<unk>", "<s>"));
        v.put("scores", GgufArray.ofFloats(0f, -1.5f));
        v.put("types", GgufArray.ofInts(2, 3));
        v.put("u32s", GgufArray.of(GgufType.UINT32, List.of(0xFFFF_FFFFL)));
        return GgufMetadata.of(v);
    }

    @Test
    void typedGetters() {
        assertThat(meta.getInt("llama.block_count")).isEqualTo(5);
        assertThat(meta.getLong("llama.block_count")).isEqualTo(5L);
        assertThat(meta.getLong("big")).isEqualTo(1L << 40);
        assertThat(meta.getFloat("eps")).isEqualTo(1e-5f);
        assertThat(meta.getFloat("llama.block_count")).isEqualTo(5f); // integers widen to floats
        assertThat(meta.getString("name")).isEqualTo("stories");
        assertThat(meta.getBoolean("flag")).isFalse();
        assertThat(meta.getStringArray("tokens")).containsExactly("<unk>", "<s>");
        assertThat(meta.getFloatArray("scores")).containsExactly(0f, -1.5f);
        assertThat(meta.getIntArray("types")).containsExactly(2, 3);
        assertThat(meta.getFloatArray("types")).containsExactly(2f, 3f);
        assertThat(meta.type("types")).isEqualTo(GgufType.ARRAY);
        assertThat(meta.getArray("types").elementType()).isEqualTo(GgufType.INT32);
        assertThat(meta.keys()).startsWith("llama.block_count", "big", "eps");
    }

    @Test
    void defaultsOnlyWhenTheKeyIsMissing() {
        assertThat(meta.getInt("llama.context_length", 2048)).isEqualTo(2048);
        assertThat(meta.getInt("llama.block_count", 7)).isEqualTo(5);
        assertThat(meta.getFloat("llama.rope.freq_base", 10000f)).isEqualTo(10000f);
        assertThat(meta.getString("missing", "x")).isEqualTo("x");
        assertThat(meta.getBoolean("missing", true)).isTrue();
        assertThat(meta.findString("name")).contains("stories");
        assertThat(meta.findString("missing")).isEmpty();
        // a present key of another type is an error, not the default
        assertThatThrownBy(() -> meta.getInt("name", 1)).hasMessageContaining("'name'");
    }

    @Test
    void errorsNameTheKeyAndTheType() {
        assertThatThrownBy(() -> meta.getInt("llama.embedding_length"))
                .isInstanceOf(GgufMetadata.MetadataException.class)
                .hasMessage("missing metadata key 'llama.embedding_length'");
        assertThatThrownBy(() -> meta.getInt("name"))
                .hasMessage("metadata key 'name' is str \"stories\", expected an integer");
        assertThatThrownBy(() -> meta.getInt("big"))
                .hasMessage("metadata key 'big' = i64 1099511627776 does not fit an int");
        assertThatThrownBy(() -> meta.getInt("eps"))
                .hasMessage("metadata key 'eps' is f32 1.0E-5, expected an integer");
        assertThatThrownBy(() -> meta.getString("llama.block_count"))
                .hasMessage("metadata key 'llama.block_count' is i32 5, expected a string");
        assertThatThrownBy(() -> meta.getBoolean("name")).hasMessageContaining("expected a bool");
        assertThatThrownBy(() -> meta.getFloat("flag")).hasMessageContaining("'flag' is bool false, expected a number");
        assertThatThrownBy(() -> meta.getStringArray("scores"))
                .hasMessage("metadata key 'scores' is [2 x f32], expected an array of strings");
        assertThatThrownBy(() -> meta.getIntArray("scores")).hasMessageContaining("expected an array of integers");
        assertThatThrownBy(() -> meta.getFloatArray("tokens")).hasMessageContaining("expected an array of numbers");
        assertThatThrownBy(() -> meta.getArray("name")).hasMessageContaining("expected an array");
        assertThatThrownBy(() -> meta.getIntArray("u32s"))
                .hasMessage("metadata key 'u32s': element 0 = 4294967295 does not fit an int");
        assertThatThrownBy(() -> meta.type("nope")).hasMessage("missing metadata key 'nope'");
    }

    @Test
    void unsigned64BitValues() {
        GgufMetadata m = new GgufMetadata(Map.of("n", GgufType.UINT64), Map.of("n", -1L));
        assertThat(m.getDouble("n")).isEqualTo(18446744073709551615.0);
        assertThatThrownBy(() -> m.getLong("n")).hasMessage("metadata key 'n' = u64 18446744073709551615 does not fit a long");
    }
}
