package org.mlm4j.gguf;

/** Checks Java values against GGUF value types and brings them to the representation {@link GgufType} documents. */
final class GgufValues {
    private GgufValues() {
    }

    /** The GGUF type a plain Java value is written as when no type is given. */
    static GgufType infer(Object v) {
        return switch (v) {
            case Byte b -> GgufType.INT8;
            case Short s -> GgufType.INT16;
            case Integer i -> GgufType.INT32;
            case Long l -> GgufType.INT64;
            case Float f -> GgufType.FLOAT32;
            case Double d -> GgufType.FLOAT64;
            case Boolean b -> GgufType.BOOL;
            case String s -> GgufType.STRING;
            case GgufArray a -> GgufType.ARRAY;
            case null -> throw new IllegalArgumentException("GGUF has no null value");
            default -> throw new IllegalArgumentException("no GGUF type for a " + v.getClass().getName()
                    + " (use String, Integer, Long, Float, Double, Boolean or GgufArray)");
        };
    }

    /** {@code v} as a value of {@code type}, in the documented Java representation. */
    static Object normalize(GgufType type, Object v) {
        return switch (type) {
            case UINT8, INT8, UINT16, INT16, INT32 -> (int) checkedInteger(type, v);
            case UINT32, UINT64, INT64 -> checkedInteger(type, v);
            case FLOAT32 -> checked(Number.class, type, v).floatValue();
            case FLOAT64 -> checked(Number.class, type, v).doubleValue();
            case BOOL -> checked(Boolean.class, type, v);
            case STRING -> checked(String.class, type, v);
            case ARRAY -> checked(GgufArray.class, type, v);
        };
    }

    /** An integer that fits {@code type}; UINT64 takes any long as its unsigned bits. */
    static long checkedInteger(GgufType type, Object v) {
        if (!(v instanceof Byte || v instanceof Short || v instanceof Integer || v instanceof Long)) {
            throw mismatch(type, v);
        }
        long x = ((Number) v).longValue();
        boolean fits = switch (type) {
            case UINT8 -> x >= 0 && x <= 0xFF;
            case INT8 -> x == (byte) x;
            case UINT16 -> x >= 0 && x <= 0xFFFF;
            case INT16 -> x == (short) x;
            case UINT32 -> x >= 0 && x <= 0xFFFF_FFFFL;
            case INT32 -> x == (int) x;
            case UINT64, INT64 -> true;
            default -> throw mismatch(type, v);
        };
        if (!fits) {
            throw new IllegalArgumentException(x + " does not fit a GGUF " + type.shortName());
        }
        return x;
    }

    static <T> T checked(Class<T> javaType, GgufType type, Object v) {
        if (!javaType.isInstance(v)) {
            throw mismatch(type, v);
        }
        return javaType.cast(v);
    }

    private static IllegalArgumentException mismatch(GgufType type, Object v) {
        return new IllegalArgumentException("a " + (v == null ? "null" : v.getClass().getSimpleName())
                + " is not a GGUF " + type.shortName() + " value");
    }
}
