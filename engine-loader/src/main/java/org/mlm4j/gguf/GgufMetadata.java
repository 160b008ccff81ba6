package org.mlm4j.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file, in file order, each value with its GGUF type (see
 * {@link GgufType} for the Java representation). Typed getters fail with a
 * {@link MetadataException} naming the key when it is missing or holds another type:
 * {@code getInt}/{@code getLong} take any integer type whose value fits, {@code getFloat} and
 * {@code getDouble} any number, the others exactly their type.
 */
public final class GgufMetadata {
    private final Map<String, Object> values;
    private final Map<String, GgufType> types;

    GgufMetadata(Map<String, GgufType> types, Map<String, Object> values) {
        this.types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Metadata from plain Java values, typed as {@link GgufWriter#put(String, Object)} types them. */
    public static GgufMetadata of(Map<String, ?> values) {
        Map<String, GgufType> types = new LinkedHashMap<>();
        Map<String, Object> normalized = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            GgufType t = GgufValues.infer(v);
            types.put(k, t);
            normalized.put(k, GgufValues.normalize(t, v));
        });
        return new GgufMetadata(types, normalized);
    }

    /** Every key in file order. */
    public Set<String> keys() {
        return values.keySet();
    }

    /** Key to value, in file order. */
    public Map<String, Object> asMap() {
        return values;
    }

    public int size() {
        return values.size();
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    /** The GGUF type of {@code key}'s value. */
    public GgufType type(String key) {
        get(key);
        return types.get(key);
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
        if (v != (int) v) {
            throw new MetadataException("metadata key '" + key + "' = " + describe(key) + " does not fit an int");
        }
        return (int) v;
    }

    public int getInt(String key, int defaultValue) {
        return contains(key) ? getInt(key) : defaultValue;
    }

    public long getLong(String key) {
        Object v = get(key);
        GgufType t = types.get(key);
        if (!t.isInteger()) {
            throw wrongType(key, "an integer");
        }
        long x = ((Number) v).longValue();
        if (t == GgufType.UINT64 && x < 0) {
            throw new MetadataException("metadata key '" + key + "' = " + describe(key) + " does not fit a long");
        }
        return x;
    }

    public long getLong(String key, long defaultValue) {
        return contains(key) ? getLong(key) : defaultValue;
    }

    public float getFloat(String key) {
        return (float) getDouble(key);
    }

    public float getFloat(String key, float defaultValue) {
        return contains(key) ? getFloat(key) : defaultValue;
    }

    public double getDouble(String key) {
        Object v = get(key);
        GgufType t = types.get(key);
        if (!t.isFloat() && !t.isInteger()) {
            throw wrongType(key, "a number");
        }
        return t == GgufType.UINT64 ? unsignedToDouble((Long) v) : ((Number) v).doubleValue();
    }

    public double getDouble(String key, double defaultValue) {
        return contains(key) ? getDouble(key) : defaultValue;
    }

    public boolean getBoolean(String key) {
        Object v = get(key);
        if (v instanceof Boolean b) {
            return b;
        }
        throw wrongType(key, "a bool");
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return contains(key) ? getBoolean(key) : defaultValue;
    }

    public String getString(String key) {
        Object v = get(key);
        if (v instanceof String s) {
            return s;
        }
        throw wrongType(key, "a string");
    }

    public String getString(String key, String defaultValue) {
        return contains(key) ? getString(key) : defaultValue;
    }

    public Optional<String> findString(String key) {
        return contains(key) ? Optional.of(getString(key)) : Optional.empty();
    }

    public GgufArray getArray(String key) {
        Object v = get(key);
        if (v instanceof GgufArray a) {
            return a;
        }
        throw wrongType(key, "an array");
    }

    public String[] getStringArray(String key) {
        GgufArray a = getArray(key);
        if (a.elementType() != GgufType.STRING) {
            throw wrongType(key, "an array of strings");
        }
        return a.toStringArray();
    }

    /** An array of any numeric element type as floats. */
    public float[] getFloatArray(String key) {
        GgufArray a = getArray(key);
        if (!a.elementType().isFloat() && !a.elementType().isInteger()) {
            throw wrongType(key, "an array of numbers");
        }
        return a.toFloatArray();
    }

    /** An array of any integer element type whose values fit an int. */
    public int[] getIntArray(String key) {
        GgufArray a = getArray(key);
        if (!a.elementType().isInteger()) {
            throw wrongType(key, "an array of integers");
        }
        try {
            return a.toIntArray();
        } catch (IllegalStateException e) {
            throw new MetadataException("metadata key '" + key + "': " + e.getMessage());
        }
    }

    /** The value's type and a short rendering, e.g. {@code u32 7} or {@code [512 x str]}. */
    private String describe(String key) {
        Object v = values.get(key);
        GgufType t = types.get(key);
        if (v instanceof GgufArray a) {
            return a.describeType();
        }
        String s = t == GgufType.UINT64 ? Long.toUnsignedString((Long) v) : String.valueOf(v);
        if (s.length() > 40) {
            s = s.substring(0, 37) + "...";
        }
        return t.shortName() + " " + (v instanceof String ? '"' + s + '"' : s);
    }

    private MetadataException wrongType(String key, String expected) {
        return new MetadataException("metadata key '" + key + "' is " + describe(key) + ", expected " + expected);
    }

    private static double unsignedToDouble(long bits) {
        return bits >= 0 ? bits : (double) (bits >>> 1) * 2.0 + (bits & 1);
    }

    @Override
    public String toString() {
        return values.toString();
    }

    /** A metadata key is missing or holds a value of another type. */
    public static final class MetadataException extends RuntimeException {
        public MetadataException(String message) {
            super(message);
        }
    }
}
