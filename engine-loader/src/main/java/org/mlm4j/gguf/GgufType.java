package org.mlm4j.gguf;

/**
 * The type of a GGUF metadata value, with its id as stored in the file ({@code enum gguf_type} in
 * ggml's gguf.h) and its size in bytes (0 for strings and arrays, whose size depends on the value).
 *
 * <p>Java representation of values, as returned by {@link GgufMetadata#get}: UINT8, INT8, UINT16,
 * INT16 and INT32 are {@link Integer}; UINT32 and INT64 are {@link Long}; UINT64 is a {@link Long}
 * holding the unsigned bits; FLOAT32 is {@link Float}, FLOAT64 {@link Double}, BOOL {@link Boolean},
 * STRING {@link String} and ARRAY a {@link GgufArray}.
 */
public enum GgufType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, 0),
    ARRAY(9, 0),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufType[] BY_ID = values();

    /** The id stored in the file. */
    public final int id;
    /** Bytes of one value; 0 for STRING and ARRAY. */
    public final int size;

    GgufType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    /** The type with file id {@code id}, or {@code null} when there is none. */
    public static GgufType byId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    /** The fewest bytes a value of this type can take in a file (a string's or array's header). */
    int minEncodedSize() {
        return switch (this) {
            case STRING -> 8;
            case ARRAY -> 12;
            default -> size;
        };
    }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    public boolean isFloat() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** The name GGUF tools print: {@code u8}, {@code i32}, {@code f32}, {@code str}, ... */
    public String shortName() {
        return switch (this) {
            case UINT8 -> "u8";
            case INT8 -> "i8";
            case UINT16 -> "u16";
            case INT16 -> "i16";
            case UINT32 -> "u32";
            case INT32 -> "i32";
            case FLOAT32 -> "f32";
            case BOOL -> "bool";
            case STRING -> "str";
            case ARRAY -> "arr";
            case UINT64 -> "u64";
            case INT64 -> "i64";
            case FLOAT64 -> "f64";
        };
    }
}
