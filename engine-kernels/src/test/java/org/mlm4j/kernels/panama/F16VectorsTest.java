package org.mlm4j.kernels.panama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.mlm4j.kernels.KernelProvider;

/** The in-register fp16 conversion against the JDK's, for all 65536 bit patterns. */
class F16VectorsTest {
    @Test
    void convertsEveryHalfFloatExactly() {
        assumeTrue(KernelProvider.vectorModulePresent(), "the scalar execution has no Vector API");
        short[] all = new short[1 << 16];
        for (int h = 0; h < all.length; h++) {
            all[h] = (short) h;
        }
        float[] converted = new float[all.length - 3];
        F16Vectors.toFloats(all, 3, converted, 0, converted.length);
        for (int i = 0; i < converted.length; i++) {
            float expected = Float.float16ToFloat(all[i + 3]);
            assertThat(Float.floatToRawIntBits(converted[i]))
                    .as("fp16 %04x", i + 3)
                    .isEqualTo(Float.floatToRawIntBits(expected));
        }
    }
}
