package org.mlm4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The counterpart of ggml's {@code static_assert(sizeof(block_xxx) == ...)}: every block size spelled
 * as the C struct's fields ({@code ggml-common.h}), against {@link GgmlType} and {@link Blocks}.
 */
class GgmlTypeTest {
    private static final int HALF = 2; // sizeof(ggml_half)
    private static final int QK_K = 256;
    private static final int K_SCALE_SIZE = 12;

    @Test
    void blockBytesMatchGgmlStructs() {
        assertBlock(GgmlType.Q4_0, 32, HALF + 32 / 2);                               // d, qs[16]
        assertBlock(GgmlType.Q4_1, 32, 2 * HALF + 32 / 2);                           // d, m, qs[16]
        assertBlock(GgmlType.Q5_0, 32, HALF + 4 + 32 / 2);                           // d, qh[4], qs[16]
        assertBlock(GgmlType.Q5_1, 32, 2 * HALF + 4 + 32 / 2);                       // d, m, qh[4], qs[16]
        assertBlock(GgmlType.Q8_0, 32, HALF + 32);                                   // d, qs[32]
        assertBlock(GgmlType.Q8_1, 32, 2 * HALF + 32);                               // d, s, qs[32]
        assertBlock(GgmlType.Q2_K, QK_K, QK_K / 16 + QK_K / 4 + 2 * HALF);           // scales, qs, d, dmin
        assertBlock(GgmlType.Q3_K, QK_K, QK_K / 8 + QK_K / 4 + 12 + HALF);           // hmask, qs, scales, d
        assertBlock(GgmlType.Q4_K, QK_K, 2 * HALF + K_SCALE_SIZE + QK_K / 2);        // d, dmin, scales, qs
        assertBlock(GgmlType.Q5_K, QK_K, 2 * HALF + K_SCALE_SIZE + QK_K / 8 + QK_K / 2); // d, dmin, scales, qh, qs
        assertBlock(GgmlType.Q6_K, QK_K, QK_K / 2 + QK_K / 4 + QK_K / 16 + HALF);    // ql, qh, scales, d
        assertBlock(GgmlType.Q8_K, QK_K, 4 + QK_K + QK_K / 16 * 2);                  // float d, qs, int16 bsums
        assertBlock(GgmlType.IQ2_XXS, QK_K, HALF + QK_K / 8 * 2);                    // d, uint16 qs[32]
        assertBlock(GgmlType.IQ2_XS, QK_K, HALF + QK_K / 8 * 2 + QK_K / 32);         // d, qs, scales
        assertBlock(GgmlType.IQ3_XXS, QK_K, HALF + 3 * (QK_K / 8));                  // d, qs[96]
        assertBlock(GgmlType.IQ1_S, QK_K, HALF + QK_K / 8 + QK_K / 32 * 2);          // d, qs, uint16 qh[8]
        assertBlock(GgmlType.IQ4_NL, 32, HALF + 32 / 2);                             // d, qs[16]
        assertBlock(GgmlType.IQ3_S, QK_K, HALF + QK_K / 4 + QK_K / 32 + QK_K / 8 + QK_K / 64); // d, qs, qh, signs, scales
        assertBlock(GgmlType.IQ2_S, QK_K, HALF + QK_K / 4 + QK_K / 32 + QK_K / 32);  // d, qs, qh, scales
        assertBlock(GgmlType.IQ4_XS, QK_K, HALF + 2 + QK_K / 64 + QK_K / 2);         // d, scales_h, scales_l, qs
        assertBlock(GgmlType.IQ1_M, QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32);         // qs, qh, scales
        assertBlock(GgmlType.TQ1_0, QK_K, (QK_K - 4 * QK_K / 64) / 5 + QK_K / 64 + HALF); // qs, qh, d
        assertBlock(GgmlType.TQ2_0, QK_K, QK_K / 4 + HALF);                          // qs, d
        assertBlock(GgmlType.MXFP4, 32, 1 + 32 / 2);                                 // e8m0 e, qs[16]
        assertBlock(GgmlType.NVFP4, 64, 64 / 16 + 64 / 2);                           // ue4m3 d[4], qs[32]
        assertBlock(GgmlType.Q1_0, 128, HALF + 128 / 8);                             // d, qs[16]
        assertBlock(GgmlType.F32, 1, 4);
        assertBlock(GgmlType.F16, 1, 2);
        assertBlock(GgmlType.BF16, 1, 2);
        assertBlock(GgmlType.F64, 1, 8);
        assertBlock(GgmlType.I8, 1, 1);
        assertBlock(GgmlType.I16, 1, 2);
        assertBlock(GgmlType.I32, 1, 4);
        assertBlock(GgmlType.I64, 1, 8);
    }

    private static void assertBlock(GgmlType type, int blockSize, int bytes) {
        assertThat(type.blockSize).as("%s block size", type).isEqualTo(blockSize);
        assertThat(type.typeSize).as("%s bytes per block", type).isEqualTo(bytes);
    }

    @Test
    void blockLayoutsEndAtTheBlockSize() {
        assertThat(Blocks.Q4_0.BYTES).isEqualTo(GgmlType.Q4_0.typeSize);
        assertThat(Blocks.Q4_1.BYTES).isEqualTo(GgmlType.Q4_1.typeSize);
        assertThat(Blocks.Q5_0.BYTES).isEqualTo(GgmlType.Q5_0.typeSize);
        assertThat(Blocks.Q5_1.BYTES).isEqualTo(GgmlType.Q5_1.typeSize);
        assertThat(Blocks.Q8_0.BYTES).isEqualTo(GgmlType.Q8_0.typeSize);
        assertThat(Blocks.Q8_1.BYTES).isEqualTo(GgmlType.Q8_1.typeSize);
        assertThat(Blocks.Q2_K.BYTES).isEqualTo(GgmlType.Q2_K.typeSize);
        assertThat(Blocks.Q3_K.BYTES).isEqualTo(GgmlType.Q3_K.typeSize);
        assertThat(Blocks.Q4_K.BYTES).isEqualTo(GgmlType.Q4_K.typeSize);
        assertThat(Blocks.Q5_K.BYTES).isEqualTo(GgmlType.Q5_K.typeSize);
        assertThat(Blocks.Q6_K.BYTES).isEqualTo(GgmlType.Q6_K.typeSize);
        assertThat(Blocks.Q8_K.BYTES).isEqualTo(GgmlType.Q8_K.typeSize);
        // field offsets in struct order (ggml-common.h)
        assertThat(new int[] {Blocks.Q2_K.SCALES, Blocks.Q2_K.QS, Blocks.Q2_K.D, Blocks.Q2_K.DMIN}).containsExactly(0, 16, 80, 82);
        assertThat(new int[] {Blocks.Q3_K.HMASK, Blocks.Q3_K.QS, Blocks.Q3_K.SCALES, Blocks.Q3_K.D}).containsExactly(0, 32, 96, 108);
        assertThat(new int[] {Blocks.Q4_K.D, Blocks.Q4_K.DMIN, Blocks.Q4_K.SCALES, Blocks.Q4_K.QS}).containsExactly(0, 2, 4, 16);
        assertThat(new int[] {Blocks.Q5_K.SCALES, Blocks.Q5_K.QH, Blocks.Q5_K.QS}).containsExactly(4, 16, 48);
        assertThat(new int[] {Blocks.Q6_K.QL, Blocks.Q6_K.QH, Blocks.Q6_K.SCALES, Blocks.Q6_K.D}).containsExactly(0, 128, 192, 208);
        assertThat(new int[] {Blocks.Q8_K.D, Blocks.Q8_K.QS, Blocks.Q8_K.BSUMS}).containsExactly(0, 4, 260);
    }

    @Test
    void idsAndNamesAreGgmls() {
        assertThat(GgmlType.byId(0)).isEqualTo(GgmlType.F32);
        assertThat(GgmlType.byId(8)).isEqualTo(GgmlType.Q8_0);
        assertThat(GgmlType.byId(14)).isEqualTo(GgmlType.Q6_K);
        assertThat(GgmlType.byId(30)).isEqualTo(GgmlType.BF16);
        assertThat(GgmlType.byId(39)).isEqualTo(GgmlType.MXFP4);
        assertThat(GgmlType.byId(41)).isEqualTo(GgmlType.Q1_0);
        assertThat(GgmlType.byId(-1)).isNull();
        assertThat(GgmlType.byId(42)).isNull();
        assertThat(GgmlType.byId(1 << 20)).isNull();
        assertThat(Arrays.stream(GgmlType.values()).mapToInt(t -> t.id).distinct().count()).isEqualTo(GgmlType.values().length);
        assertThat(GgmlType.Q4_K.ggmlName()).isEqualTo("q4_K");
        assertThat(GgmlType.byName("Q6_K")).isEqualTo(GgmlType.Q6_K);
        assertThat(GgmlType.byName("q4_0_4x4")).isEqualTo(GgmlType.Q4_0_4_4);
        assertThat(GgmlType.byName("nope")).isNull();
    }

    @Test
    void byteSizeIsRowSize() {
        assertThat(GgmlType.Q4_0.byteSize(4096)).isEqualTo(4096 / 32 * 18);
        assertThat(GgmlType.Q6_K.byteSize(2 * 256)).isEqualTo(2 * 210);
        assertThat(GgmlType.F16.byteSize(3)).isEqualTo(6);
        assertThatThrownBy(() -> GgmlType.Q8_0.byteSize(33)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("q8_0");
        assertThatThrownBy(() -> GgmlType.F32.byteSize(Long.MAX_VALUE)).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void typesWithoutKernelsAreRejectedByName() {
        assertThat(GgmlType.Q4_K.requireComputable("blk.0.attn_q.weight")).isEqualTo(GgmlType.Q4_K);
        assertThatThrownBy(() -> GgmlType.IQ2_XXS.requireComputable("blk.0.attn_q.weight"))
                .isInstanceOf(UnsupportedTensorTypeException.class)
                .hasMessageContaining("blk.0.attn_q.weight").hasMessageContaining("iq2_xxs")
                .hasMessageContaining("supported: f32, f16, q4_0");
        assertThatThrownBy(() -> GgmlType.Q4_0_8_8.requireComputable("w"))
                .isInstanceOf(UnsupportedTensorTypeException.class)
                .hasMessageContaining("q4_0_8x8").hasMessageContaining("removed from ggml");
        assertThat(GgmlType.Q4_0_8_8.isRemoved()).isTrue();
        assertThat(GgmlType.Q4_0.isRemoved()).isFalse();
    }
}
