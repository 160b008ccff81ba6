package org.mlm4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.mlm4j.kernels.MatmulKernels.Numerics;
import org.mlm4j.tensor.Blocks;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.LittleEndian;
import org.mlm4j.tensor.Quantize;

/**
 * The activation conversions must be bit-identical to ggml's: Q8_0/Q8_1 to its AVX quantizer
 * ({@link GgmlQ8Reference}), Q8_K to the tensor module's port of {@code quantize_row_q8_K_ref} (the
 * only Q8_K quantizer ggml has), and hand-worked ties for the rounding rules.
 */
class ActivationsTest {
    private static final int COLS = 4096 + 256;
    private static final int BATCH = 3;

    @Test
    void q8_0AndQ8_1MatchGgmlsAvxQuantizerBitForBit() {
        float[] x = SyntheticWeights.activations(BATCH, COLS, 11);
        GgmlQ8Reference ref = GgmlQ8Reference.quantize(x);
        Activations q8_0 = Activations.of(GgmlType.Q4_0, Numerics.GGML, x, 0, COLS, BATCH);
        Activations q8_1 = Activations.of(GgmlType.Q5_1, Numerics.GGML, x, 0, COLS, BATCH);
        assertThat(q8_0.format()).isEqualTo(Activations.Format.Q8_0);
        assertThat(q8_1.format()).isEqualTo(Activations.Format.Q8_1);
        assertThat(q8_0.qs()).containsExactly(ref.q);
        assertThat(q8_0.d()).containsExactly(ref.d);
        assertThat(q8_1.qs()).containsExactly(ref.q);
        assertThat(q8_1.d()).containsExactly(ref.d);
        assertThat(q8_1.s()).containsExactly(ref.s);
    }

    @Test
    void q8_KMatchesGgmlReferenceBitForBit() {
        float[] x = SyntheticWeights.activations(BATCH, COLS, 13);
        Activations a = Activations.of(GgmlType.Q6_K, Numerics.GGML, x, 0, COLS, BATCH);
        assertThat(a.format()).isEqualTo(Activations.Format.Q8_K);
        MemorySegment ref = MemorySegment.ofArray(Quantize.toBytes(GgmlType.Q8_K, x, 0, x.length));
        for (int block = 0; block < x.length / 256; block++) {
            long at = (long) block * Blocks.Q8_K.BYTES;
            assertThat(a.d()[block]).isEqualTo(LittleEndian.f32(ref, at + Blocks.Q8_K.D));
            for (int j = 0; j < 256; j++) {
                assertThat(a.qs()[block * 256 + j]).isEqualTo(ref.get(LittleEndian.BYTE, at + Blocks.Q8_K.QS + j));
            }
            for (int g = 0; g < 16; g++) {
                assertThat(a.bsums()[block * 16 + g]).isEqualTo(ref.get(LittleEndian.SHORT, at + Blocks.Q8_K.BSUMS + 2L * g));
            }
        }
    }

    @Test
    void q8_0RoundsHalvesToEvenAsTheAvxPath() {
        // amax = 127 makes the multiplier exactly 1, so x·id lands on the ties themselves.
        float[] x = new float[32];
        float[] ties = {127, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.5f};
        System.arraycopy(ties, 0, x, 0, ties.length);
        Activations a = Activations.of(GgmlType.Q8_0, Numerics.GGML, x, 0, 32, 1);
        assertThat(a.d()[0]).isEqualTo(1f);
        assertThat(java.util.Arrays.copyOf(a.qs(), 8)).containsExactly(127, 0, 2, 2, 0, -2, -2, 4);
    }

    @Test
    void q8_KUsesTheSignOfTheLargestValueAndRoundsHalvesToEven() {
        // max = -127 gives iscale = 1: nearest_int rounds 63.5 to 64 and -0.5 to 0, and q stays ≤ 127.
        float[] x = new float[256];
        x[0] = -127;
        x[1] = 63.5f;
        x[2] = -0.5f;
        x[17] = 126.5f;
        Activations a = Activations.of(GgmlType.Q4_K, Numerics.GGML, x, 0, 256, 1);
        assertThat(a.d()[0]).isEqualTo(1f);
        assertThat(new int[] {a.qs()[0], a.qs()[1], a.qs()[2], a.qs()[17]}).containsExactly(-127, 64, 0, 126);
        assertThat(a.bsums()[0]).isEqualTo((short) (-127 + 64));
        assertThat(a.bsums()[1]).isEqualTo((short) 126);
    }

    @Test
    void halfFloatFormatsRoundEachValue() {
        float[] x = {1 + 0x1p-11f, 1 + 0x3p-11f, 1 + 0x1p-8f, 1 + 0x3p-8f};
        Activations f16 = Activations.of(GgmlType.F16, Numerics.GGML, x, 0, 4, 1);
        assertThat(f16.values()).containsExactly(1f, 1 + 0x2p-10f, 1 + 0x1p-8f, 1 + 0x3p-8f);
        Activations bf16 = Activations.of(GgmlType.BF16, Numerics.GGML, x, 0, 4, 1);
        assertThat(bf16.values()).containsExactly(1f, 1f, 1f, 1 + 0x4p-8f);
        Activations plain = Activations.of(GgmlType.Q4_0, Numerics.FLOAT, x, 0, 4, 1);
        assertThat(plain.values()).isSameAs(x);
    }

    @Test
    void zeroBlocksQuantizeToZeros() {
        float[] x = new float[256];
        Activations q8 = Activations.of(GgmlType.Q8_0, Numerics.GGML, x, 0, 256, 1);
        Activations q8k = Activations.of(GgmlType.Q5_K, Numerics.GGML, x, 0, 256, 1);
        assertThat(q8.d()).containsOnly(0f);
        assertThat(q8.qs()).containsOnly((byte) 0);
        assertThat(q8k.d()).containsOnly(0f);
        assertThat(q8k.bsums()).containsOnly((short) 0);
    }
}
