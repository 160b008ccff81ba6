package org.mlm4j.tensor;

/**
 * Every tensor type a GGUF file can carry, one row per type as in ggml's type-traits table
 * ({@code ggml.c: type_traits[]}): ggml's numeric id, elements per block and bytes per block.
 *
 * <p>Ids are ggml's {@code enum ggml_type}; ids ggml removed (4, 5, 31-33, 36-38) are kept as
 * rows so that files written by older converters are recognised and rejected by name rather than
 * as garbage. {@link #computable} says whether mlm4j has kernels for the type.
 */
public enum GgmlType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    Q4_0(2, 32, 18, true),
    Q4_1(3, 32, 20, true),
    Q4_2_REMOVED(4, 32, 18, false),
    Q4_3_REMOVED(5, 32, 20, false),
    Q5_0(6, 32, 22, true),
    Q5_1(7, 32, 24, true),
    Q8_0(8, 32, 34, true),
    Q8_1(9, 32, 36, false),
    Q2_K(10, 256, 84, true),
    Q3_K(11, 256, 110, true),
    Q4_K(12, 256, 144, true),
    Q5_K(13, 256, 176, true),
    Q6_K(14, 256, 210, true),
    Q8_K(15, 256, 292, true),
    IQ2_XXS(16, 256, 66, false),
    IQ2_XS(17, 256, 74, false),
    IQ3_XXS(18, 256, 98, false),
    IQ1_S(19, 256, 50, false),
    IQ4_NL(20, 32, 18, false),
    IQ3_S(21, 256, 110, false),
    IQ2_S(22, 256, 82, false),
    IQ4_XS(23, 256, 136, false),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    IQ1_M(29, 256, 56, false),
    BF16(30, 1, 2, true),
    Q4_0_4_4_REMOVED(31, 32, 18, false),
    Q4_0_4_8_REMOVED(32, 32, 18, false),
    Q4_0_8_8_REMOVED(33, 32, 18, false),
    TQ1_0(34, 256, 54, false),
    TQ2_0(35, 256, 66, false),
    IQ4_NL_4_4_REMOVED(36, 32, 18, false),
    IQ4_NL_4_8_REMOVED(37, 32, 18, false),
    IQ4_NL_8_8_REMOVED(38, 32, 18, false),
    MXFP4(39, 32, 17, false);

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

    GgmlType(int id, int blockSize, int typeSize, boolean computable) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
        this.computable = computable;
    }

    /** The type with ggml id {@code id}, or {@code null} when ggml has no such type. */
    public static GgmlType byId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** ggml's name of the type ({@code q4_0}, {@code f16}, ...). */
    public String ggmlName() {
        String n = name();
        int removed = n.indexOf("_REMOVED");
        return (removed >= 0 ? n.substring(0, removed) : n).toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Bytes taken by {@code elements} values (a multiple of the block size), as ggml_row_size.
     *
     * @throws IllegalArgumentException when {@code elements} is not a whole number of blocks
     */
    public long byteSize(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    elements + " elements is not a whole number of " + ggmlName() + " blocks of " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) typeSize);
    }

    /** Throws a clear error when this type has no kernels in mlm4j. */
    public GgmlType requireComputable(String what) {
        if (!computable) {
            throw new UnsupportedTensorTypeException(what + " has tensor type " + ggmlName()
                    + ", which mlm4j does not compute yet (supported: f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q2_k..q6_k)");
        }
        return this;
    }
}
