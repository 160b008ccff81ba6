package org.mlm4j.gguf;

import org.mlm4j.tensor.GgmlType;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * llama.cpp's {@code llama_ftype}: what {@code general.file_type} records and what {@code llama-quantize}
 * takes as its TYPE argument, with the tensor type most weights get ({@link #defaultType}). Only the
 * file types whose every tensor type mlm4j can produce are listed; the IQ* types need an importance
 * matrix and quantizers mlm4j does not have.
 */
public enum FileType {
    F32(0, GgmlType.F32),
    F16(1, GgmlType.F16),
    Q4_0(2, GgmlType.Q4_0),
    Q4_1(3, GgmlType.Q4_1),
    Q8_0(7, GgmlType.Q8_0),
    Q5_0(8, GgmlType.Q5_0),
    Q5_1(9, GgmlType.Q5_1),
    Q2_K(10, GgmlType.Q2_K),
    Q3_K_S(11, GgmlType.Q3_K),
    Q3_K_M(12, GgmlType.Q3_K),
    Q3_K_L(13, GgmlType.Q3_K),
    Q4_K_S(14, GgmlType.Q4_K),
    Q4_K_M(15, GgmlType.Q4_K),
    Q5_K_S(16, GgmlType.Q5_K),
    Q5_K_M(17, GgmlType.Q5_K),
    Q6_K(18, GgmlType.Q6_K),
    BF16(32, GgmlType.BF16);

    /** The number stored in {@code general.file_type} ({@code LLAMA_FTYPE_*}). */
    public final int id;
    /** The tensor type of every weight the mix does not single out. */
    public final GgmlType defaultType;

    FileType(int id, GgmlType defaultType) {
        this.id = id;
        this.defaultType = defaultType;
    }

    /**
     * The file type llama-quantize calls {@code name} (case-insensitive; {@code Q3_K}, {@code Q4_K},
     * {@code Q5_K} are its aliases of the _M mixes) or numbers {@code id}.
     *
     * @throws IllegalArgumentException naming the types known, when there is none
     */
    public static FileType parse(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        for (FileType t : values()) {
            if (t.name().equals(n) || String.valueOf(t.id).equals(n)) {
                return t;
            }
        }
        return switch (n) {
            case "Q3_K" -> Q3_K_M;
            case "Q4_K" -> Q4_K_M;
            case "Q5_K" -> Q5_K_M;
            default -> throw new IllegalArgumentException("unknown quantization type '" + name + "' (known: "
                    + Arrays.stream(values()).map(t -> t.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")) + ")");
        };
    }
}
