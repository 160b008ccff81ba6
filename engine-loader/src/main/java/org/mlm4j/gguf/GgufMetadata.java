package org.mlm4j.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The key/value metadata of a GGUF file with typed getters. Values are stored as read: integers
 * as their Java box (Byte/Short/Integer/Long, unsigned types widened), floats as Float/Double,
 * strings as String, booleans as Boolean and arrays as {@link List} (of boxes, or of lists).
 * Getters accept any integer width for {@code getInt}/{@code getLong} and fail with the key's
 * name when it is missing or of another type.
 */
public final class GgufMetadata {
    private final Map<String, Object> values;

    public GgufMetadata(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public Map<String, Object> asMap() {
        return values;
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    public Object get(String key) {
        Object v = values.get(key);
        if (v == null) {
            throw new MetadataException("missing metadata key '" + key + "'");
        }
        return v;
    }

    public int getInt(String key) {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new MetadataException("metadata key '" + key + "' = " + v + " does not fit an int");
        }
        return (int) v;
    }

    public int getInt(String key, int defaultValue) {
        return contains(key) ? getInt(key) : defaultValue;
    }

    public long getLong(String key) {
        Object v = get(key);
        if (v instanceof Byte || v instanceof Short || v instanceof Integer || v instanceof Long) {
            return ((Number) v).longValue();
        }
        throw wrongType(key, v, "an integer");
    }

    public float getFloat(String key) {
        Object v = get(key);
        if (v instanceof Float || v instanceof Double) {
            return ((Number) v).floatValue();
        }
        throw wrongType(key, v, "a float");
    }

    public float getFloat(String key, float defaultValue) {
        return contains(key) ? getFloat(key) : defaultValue;
    }

    public boolean getBoolean(String key) {
        Object v = get(key);
        if (v instanceof Boolean b) {
            return b;
        }
        throw wrongType(key, v, "a bool");
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return contains(key) ? getBoolean(key) : defaultValue;
    }

    public String getString(String key) {
        Object v = get(key);
        if (v instanceof String s) {
            return s;
        }
        throw wrongType(key, v, "a string");
    }

    public Optional<String> findString(String key) {
        return contains(key) ? Optional.of(getString(key)) : Optional.empty();
    }

    public String[] getStringArray(String key) {
        List<?> list = getArray(key);
        String[] out = new String[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof String s)) {
                throw wrongType(key, list.get(i), "an array of strings");
            }
            out[i] = s;
        }
        return out;
    }

    public float[] getFloatArray(String key) {
        List<?> list = getArray(key);
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Float || list.get(i) instanceof Double)) {
                throw wrongType(key, list.get(i), "an array of floats");
            }
            out[i] = ((Number) list.get(i)).floatValue();
        }
        return out;
    }

    public int[] getIntArray(String key) {
        List<?> list = getArray(key);
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            Object v = list.get(i);
            if (!(v instanceof Byte || v instanceof Short || v instanceof Integer || v instanceof Long)) {
                throw wrongType(key, v, "an array of integers");
            }
            out[i] = Math.toIntExact(((Number) v).longValue());
        }
        return out;
    }

    public List<?> getArray(String key) {
        Object v = get(key);
        if (v instanceof List<?> list) {
            return list;
        }
        throw wrongType(key, v, "an array");
    }

    private static MetadataException wrongType(String key, Object v, String expected) {
        String actual = v instanceof List<?> ? "an array" : v.getClass().getSimpleName();
        return new MetadataException("metadata key '" + key + "' is " + actual + ", expected " + expected);
    }

    /** A metadata key is missing or holds a value of another type. */
    public static final class MetadataException extends RuntimeException {
        public MetadataException(String message) {
            super(message);
        }
    }
}
