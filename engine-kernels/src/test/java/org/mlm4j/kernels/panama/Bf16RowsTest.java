package org.mlm4j.kernels.panama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.tensor.HalfFloats;
import org.mlm4j.tensor.LittleEndian;

/** The vector bf16 row conversion against the scalar one, for all 65536 bit patterns. */
class Bf16RowsTest {
    @Test
    void convertsEveryBf16ValueAsTheScalarRow() {
        assumeTrue(KernelProvider.vectorModulePresent(), "the scalar execution has no Vector API");
        MemorySegment all = Arena.ofAuto().allocate(2L << 16);
        for (int b = 0; b < 1 << 16; b++) {
            all.set(LittleEndian.SHORT, 2L * b, (short) b);
        }
        // from an odd value on, so that the rows end with a scalar tail
        int n = (1 << 16) - 3;
        float[] expected = new float[n];
        float[] actual = new float[n + 2];
        HalfFloats.bf16ToF32(all, 6, expected, 0, n);
        Bf16Rows.toFloats(all, 6, actual, 2, n);
        for (int i = 0; i < n; i++) {
            assertThat(Float.floatToRawIntBits(actual[i + 2])).as("bf16 %04x", i + 3)
                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }
}
