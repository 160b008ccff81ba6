package org.mlm4j.models.tokenizer;

import org.mlm4j.gguf.GgufMetadata;

import java.util.HashMap;
import java.util.Map;

/**
 * The token table of a GGUF file: text, score and attributes of every id, and the text→id map.
 * Attributes follow llama.cpp's {@code llama_token_attr} (from {@code tokenizer.ggml.token_type}),
 * including its load-time fix-ups: end-of-turn looking tokens become CONTROL, and the phi-3 RSTRIP
 * quirk.
 */
final class Vocabulary {
    // llama_token_attr bits
    static final int UNKNOWN = 1;
    static final int UNUSED = 1 << 1;
    static final int NORMAL = 1 << 2;
    static final int CONTROL = 1 << 3;
    static final int USER_DEFINED = 1 << 4;
    static final int BYTE = 1 << 5;
    static final int LSTRIP = 1 << 7;
    static final int RSTRIP = 1 << 8;

    /** {@code tokenizer.ggml.token_type} values (llama_token_type) → attribute, by index. */
    private static final int[] TYPE_TO_ATTR = {0, NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE};

    final String[] texts;
    final float[] scores;
    final int[] attrs;
    private final Map<String, Integer> ids;
    private final int[] byteTokens = new int[256];

    Vocabulary(GgufMetadata meta) {
        texts = meta.getStringArray("tokenizer.ggml.tokens");
        int n = texts.length;
        if (n == 0) {
            throw new IllegalArgumentException("tokenizer.ggml.tokens is empty");
        }
        scores = meta.contains("tokenizer.ggml.scores") ? meta.getFloatArray("tokenizer.ggml.scores") : new float[n];
        int[] types = meta.contains("tokenizer.ggml.token_type") ? meta.getIntArray("tokenizer.ggml.token_type") : null;
        checkLength("scores", scores.length, n);
        if (types != null) {
            checkLength("token_type", types.length, n);
        }
        attrs = new int[n];
        ids = HashMap.newHashMap(n);
        for (int i = 0; i < n; i++) {
            if (texts[i].isEmpty()) {
                texts[i] = "[EMPTY_" + i + "]";
            }
            Integer previous = ids.putIfAbsent(texts[i], i);
            if (previous != null) {
                throw new IllegalArgumentException("duplicate token in vocabulary: '" + texts[i] + "' has ids " + previous + " and " + i);
            }
            attrs[i] = types == null ? NORMAL : (types[i] >= 0 && types[i] < TYPE_TO_ATTR.length ? TYPE_TO_ATTR[types[i]] : 0);
        }
        for (int b = 0; b < 256; b++) {
            int id = id(String.format("<0x%02X>", b));
            byteTokens[b] = id >= 0 || b >= 0x80 ? id : id(String.valueOf((char) b));
        }
    }

    private static void checkLength(String key, int length, int tokens) {
        if (length < tokens) {
            throw new IllegalArgumentException("tokenizer.ggml." + key + " has " + length + " entries for " + tokens + " tokens");
        }
    }

    int size() {
        return texts.length;
    }

    /** The id of a token text, or -1. */
    int id(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }

    boolean has(int id, int attr) {
        return (attrs[id] & attr) != 0;
    }

    void set(int id, int attr, boolean on) {
        attrs[id] = on ? attrs[id] | attr : attrs[id] & ~attr;
    }

    /** The SentencePiece byte-fallback token of a byte: {@code <0xXX>}, else the byte itself as text; -1 if neither exists. */
    int byteToken(int b) {
        return byteTokens[b];
    }
}
