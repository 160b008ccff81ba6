package org.mlm4j.tensor;

import java.lang.foreign.MemorySegment;

/**
 * fp16 (IEEE binary16) and bf16 (bfloat16) conversions, value by value and row by row, as ggml does them.
 *
 * <ul>
 *   <li>fp16 → fp32 is exact. fp32 → fp16 rounds to nearest even with overflow to infinity, as F16C's
 *       {@code vcvtps2ph} (rounding mode 0) and ggml's portable {@code ggml_compute_fp32_to_fp16}:
 *       both are the JDK's {@link Float#floatToFloat16}.</li>
 *   <li>bf16 → fp32 is the 16-bit shift. fp32 → bf16 is ggml's {@code ggml_compute_fp32_to_bf16}:
 *       round to nearest even on the raw bits (subnormals kept), NaN made quiet by setting bit 6.</li>
 * </ul>
 * Row functions read and write GGUF data in place: little-endian, any byte alignment.
 */
public final class HalfFloats {
    private HalfFloats() {
    }

    public static float f16ToF32(short h) {
        return Float.float16ToFloat(h);
    }

    public static short f32ToF16(float f) {
        return Float.floatToFloat16(f);
    }

    /** {@code f} rounded to the nearest fp16 value (what ggml does to activations before an F16 matmul). */
    public static float roundToF16(float f) {
        return Float.float16ToFloat(Float.floatToFloat16(f));
    }

    public static float bf16ToF32(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    public static short f32ToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((bits >>> 16) | 64);
        }
        return (short) ((bits + (0x7FFF + ((bits >>> 16) & 1))) >>> 16);
    }

    /** ggml_fp16_to_fp32_row: {@code n} fp16 values at {@code srcOffset} (bytes) into {@code dst}. */
    public static void f16ToF32(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = Float.float16ToFloat(src.get(LittleEndian.SHORT, srcOffset + 2L * i));
        }
    }

    /** ggml_fp32_to_fp16_row: {@code n} floats into fp16 values at {@code dstOffset} (bytes). */
    public static void f32ToF16(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int n) {
        for (int i = 0; i < n; i++) {
            dst.set(LittleEndian.SHORT, dstOffset + 2L * i, Float.floatToFloat16(src[srcOffset + i]));
        }
    }

    /** ggml_bf16_to_fp32_row. */
    public static void bf16ToF32(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = bf16ToF32(src.get(LittleEndian.SHORT, srcOffset + 2L * i));
        }
    }

    /** ggml_fp32_to_bf16_row_ref. */
    public static void f32ToBf16(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int n) {
        for (int i = 0; i < n; i++) {
            dst.set(LittleEndian.SHORT, dstOffset + 2L * i, f32ToBf16(src[srcOffset + i]));
        }
    }
}
