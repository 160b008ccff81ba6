package org.mlm4j.tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Every tensor type a GGUF file can carry, one row per type as in ggml's type-traits table
 * ({@code ggml.c: type_traits[]}): ggml's numeric id ({@code enum ggml_type}), ggml's name, elements per
 * block ({@code blck_size}) and bytes per block ({@code type_size = sizeof(block_xxx)}, see
 * {@code ggml-common.h} and {@link Blocks}).
 *
 * <p>Ids ggml removed keep a row so that a file carrying one is rejected by name, not as garbage.
 * ggml's current table gives them block size 0; here they keep the geometry they had while files
 * were written with them (Q4_2/Q4_3 predate GGUF; the 4x4/4x8/8x8 interleaved types stored
 * {@code block_q4_0}/{@code block_iq4_nl}-sized blocks), so that sizes stay well defined.
 * {@link #computable} says whether mlm4j has kernels for the type.
 */
public enum GgmlType {
    //        id  name        block bytes computable
    F32(      0, "f32",           1,   4, true),
    F16(      1, "f16",           1,   2, true),
    Q4_0(     2, "q4_0",         32,  18, true),
    Q4_1(     3, "q4_1",         32,  20, true),
    Q4_2(     4, "q4_2",         16,  10, false, "was removed from ggml before GGUF existed"),
    Q4_3(     5, "q4_3",         16,  12, false, "was removed from ggml before GGUF existed"),
    Q5_0(     6, "q5_0",         32,  22, true),
    Q5_1(     7, "q5_1",         32,  24, true),
    Q8_0(     8, "q8_0",         32,  34, true),
    Q8_1(     9, "q8_1",         32,  36, false),
    Q2_K(    10, "q2_K",        256,  84, true),
    Q3_K(    11, "q3_K",        256, 110, true),
    Q4_K(    12, "q4_K",        256, 144, true),
    Q5_K(    13, "q5_K",        256, 176, true),
    Q6_K(    14, "q6_K",        256, 210, true),
    Q8_K(    15, "q8_K",        256, 292, true),
    IQ2_XXS( 16, "iq2_xxs",     256,  66, false),
    IQ2_XS(  17, "iq2_xs",      256,  74, false),
    IQ3_XXS( 18, "iq3_xxs",     256,  98, false),
    IQ1_S(   19, "iq1_s",       256,  50, false),
    IQ4_NL(  20, "iq4_nl",       32,  18, false),
    IQ3_S(   21, "iq3_s",       256, 110, false),
    IQ2_S(   22, "iq2_s",       256,  82, false),
    IQ4_XS(  23, "iq4_xs",      256, 136, false),
    I8(      24, "i8",            1,   1, false),
    I16(     25, "i16",           1,   2, false),
    I32(     26, "i32",           1,   4, false),
    I64(     27, "i64",           1,   8, false),
    F64(     28, "f64",           1,   8, false),
    IQ1_M(   29, "iq1_m",       256,  56, false),
    BF16(    30, "bf16",          1,   2, true),
    Q4_0_4_4(31, "q4_0_4x4",     32,  18, false, "was removed from ggml: re-quantize the model to q4_0"),
    Q4_0_4_8(32, "q4_0_4x8",     32,  18, false, "was removed from ggml: re-quantize the model to q4_0"),
    Q4_0_8_8(33, "q4_0_8x8",     32,  18, false, "was removed from ggml: re-quantize the model to q4_0"),
    TQ1_0(   34, "tq1_0",       256,  54, false),
    TQ2_0(   35, "tq2_0",       256,  66, false),
    IQ4_NL_4_4(36, "iq4_nl_4x4", 32,  18, false, "was removed from ggml: re-quantize the model to iq4_nl"),
    IQ4_NL_4_8(37, "iq4_nl_4x8", 32,  18, false, "was removed from ggml: re-quantize the model to iq4_nl"),
    IQ4_NL_8_8(38, "iq4_nl_8x8", 32,  18, false, "was removed from ggml: re-quantize the model to iq4_nl"),
    MXFP4(   39, "mxfp4",        32,  17, false),
    NVFP4(   40, "nvfp4",        64,  36, false),
    Q1_0(    41, "q1_0",        128,  18, false);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    /** ggml's numeric type id as stored in GGUF tensor infos. */
    public final int id;
    /** Elements per block (1 for plain float and integer types). */
    public final int blockSize;
    /** Bytes per block. */
    public final int typeSize;
    /** Whether mlm4j can compute with tensors of this type. */
    public final boolean computable;
    private final String ggmlName;
    private final String removed;

    GgmlType(int id, String ggmlName, int blockSize, int typeSize, boolean computable) {
        this(id, ggmlName, blockSize, typeSize, computable, null);
    }

    GgmlType(int id, String ggmlName, int blockSize, int typeSize, boolean computable, String removed) {
        this.id = id;
        this.ggmlName = ggmlName;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
        this.computable = computable;
        this.removed = removed;
    }

    /** The type with ggml id {@code id}, or {@code null} when ggml has no such type. */
    public static GgmlType byId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    /** The type ggml calls {@code name} ({@code q4_K}, {@code f16}; case-insensitive), or {@code null}. */
    public static GgmlType byName(String name) {
        for (GgmlType t : values()) {
            if (t.ggmlName.equalsIgnoreCase(name) || t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        return null;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** Whether ggml dropped this type (files carrying it cannot be loaded by llama.cpp either). */
    public boolean isRemoved() {
        return removed != null;
    }

    /** ggml's name of the type ({@code q4_0}, {@code q6_K}, {@code f16}, ...), as {@code ggml_type_name}. */
    public String ggmlName() {
        return ggmlName;
    }

    /**
     * Bytes taken by {@code elements} values (a multiple of the block size), as ggml_row_size.
     *
     * @throws IllegalArgumentException when {@code elements} is not a whole number of blocks
     * @throws ArithmeticException when the size overflows a long
     */
    public long byteSize(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    elements + " elements is not a whole number of " + ggmlName + " blocks of " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) typeSize);
    }

    /**
     * Returns this type when mlm4j computes with it, else throws an error naming {@code what}, the
     * type and the types mlm4j supports.
     *
     * @throws UnsupportedTensorTypeException when this type has no kernels in mlm4j
     */
    public GgmlType requireComputable(String what) {
        if (!computable) {
            String why = removed != null ? ", which " + removed
                    : ", which mlm4j does not compute yet";
            throw new UnsupportedTensorTypeException(what + " has tensor type " + ggmlName + " (ggml id " + id + ")"
                    + why + " (supported: " + String.join(", ", computableNames()) + ")");
        }
        return this;
    }

    private static List<String> computableNames() {
        List<String> names = new ArrayList<>();
        for (GgmlType t : values()) {
            if (t.computable) {
                names.add(t.ggmlName);
            }
        }
        return names;
    }
}
