package org.mlm4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {

    @Test
    void fp16RoundsToNearestEven() {
        assertThat(HalfFloats.f32ToF16(1.0f)).isEqualTo((short) 0x3C00);
        assertThat(HalfFloats.f32ToF16(-2.0f)).isEqualTo((short) 0xC000);
        assertThat(HalfFloats.f32ToF16(65504f)).isEqualTo((short) 0x7BFF);
        assertThat(HalfFloats.f32ToF16(65520f)).as("overflow rounds to infinity").isEqualTo((short) 0x7C00);
        // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to the even mantissa (1.0)
        assertThat(HalfFloats.f32ToF16(1f + 0x1p-11f)).isEqualTo((short) 0x3C00);
        // 1 + 3 * 2^-11 is halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even)
        assertThat(HalfFloats.f32ToF16(1f + 3 * 0x1p-11f)).isEqualTo((short) 0x3C02);
        assertThat(HalfFloats.f32ToF16(0x1p-24f)).as("smallest subnormal").isEqualTo((short) 0x0001);
        assertThat(HalfFloats.f16ToF32((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(HalfFloats.f16ToF32((short) 0xFC00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(HalfFloats.roundToF16(0.1f)).isEqualTo(0.0999755859375f);
    }

    @Test
    void everyFp16ValueSurvivesARoundTrip() {
        for (int h = 0; h < 0x10000; h++) {
            float f = HalfFloats.f16ToF32((short) h);
            if (!Float.isNaN(f)) {
                assertThat(HalfFloats.f32ToF16(f)).isEqualTo((short) h);
            }
        }
    }

    @Test
    void bf16MatchesGgml() {
        assertThat(HalfFloats.f32ToBf16(1.0f)).isEqualTo((short) 0x3F80);
        // 1 + 2^-8 is halfway between bf16 1.0 and 1 + 2^-7: ties to even (1.0)
        assertThat(HalfFloats.f32ToBf16(1f + 0x1p-8f)).isEqualTo((short) 0x3F80);
        assertThat(HalfFloats.f32ToBf16(1f + 3 * 0x1p-8f)).isEqualTo((short) 0x3F82);
        assertThat(HalfFloats.f32ToBf16(1f + 0x1p-8f + 0x1p-20f)).isEqualTo((short) 0x3F81);
        assertThat(HalfFloats.f32ToBf16(Float.MAX_VALUE)).as("rounds up to infinity").isEqualTo((short) 0x7F80);
        // NaN: top 16 bits with the quiet bit (bit 6 of the bf16) set, sign and payload kept
        assertThat(HalfFloats.f32ToBf16(Float.intBitsToFloat(0x7F800001))).isEqualTo((short) 0x7FC0);
        assertThat(HalfFloats.f32ToBf16(Float.intBitsToFloat(0xFFA12345))).isEqualTo((short) 0xFFE1);
        // subnormals are rounded, not flushed
        assertThat(HalfFloats.f32ToBf16(Float.intBitsToFloat(0x00018000))).isEqualTo((short) 0x0002);
        assertThat(HalfFloats.bf16ToF32((short) 0xC040)).isEqualTo(-3.0f);
    }

    @Test
    void rowsAreLittleEndianAndUnaligned() {
        float[] values = {1f, -2f, 0.5f, 65504f, 3.140625f};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(1 + 2 * values.length);
            HalfFloats.f32ToF16(values, 0, seg, 1, values.length);
            assertThat(seg.get(LittleEndian.BYTE, 1)).isEqualTo((byte) 0x00);
            assertThat(seg.get(LittleEndian.BYTE, 2)).isEqualTo((byte) 0x3C);
            float[] back = new float[values.length + 1];
            HalfFloats.f16ToF32(seg, 1, back, 1, values.length);
            assertThat(back).containsExactly(0f, 1f, -2f, 0.5f, 65504f, 3.140625f);

            HalfFloats.f32ToBf16(values, 0, seg, 1, values.length);
            assertThat(seg.get(LittleEndian.BYTE, 2)).isEqualTo((byte) 0x3F);
            HalfFloats.bf16ToF32(seg, 1, back, 0, values.length);
            assertThat(back).startsWith(1f, -2f, 0.5f, 65536f, 3.140625f);
        }
    }
}
