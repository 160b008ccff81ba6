package org.mlm4j.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * Scalar reference quantization, bit-exact with ggml's {@code quantize_row_*_ref} ({@code ggml-quants.c}):
 * the functions {@code llama-quantize} runs when no importance matrix is given, so re-quantizing a
 * model's fp32 weights here gives the bytes of its llama.cpp-quantized file. Arithmetic is fp32 in
 * ggml's order; {@code roundf} (half away from zero) and {@code nearest_int} (half to even) are kept apart.
 * Output layouts are in {@link Blocks}.
 */
public final class Quantize {
    private Quantize() {
    }

    /** ggml's GROUP_MAX_EPS: a group whose largest |x| is below it is all zeros. */
    private static final float GROUP_MAX_EPS = 1e-15f;

    /**
     * Quantizes {@code src[srcOffset .. srcOffset + n)} ({@code n} a whole number of blocks) into
     * {@code dst} at byte {@code dstByteOffset}, writing {@code type.byteSize(n)} bytes.
     *
     * @throws UnsupportedTensorTypeException when mlm4j cannot quantize to {@code type}
     * @throws IllegalArgumentException when {@code n} is not a whole number of blocks
     */
    public static void row(GgmlType type, float[] src, int srcOffset, int n, MemorySegment dst, long dstByteOffset) {
        long bytes = type.byteSize(n);
        Objects.checkFromIndexSize(srcOffset, n, src.length);
        Objects.checkFromIndexSize(dstByteOffset, bytes, dst.byteSize());
        switch (type) {
            case F32 -> MemorySegment.copy(src, srcOffset, dst, LittleEndian.FLOAT, dstByteOffset, n);
            case F16 -> HalfFloats.f32ToF16(src, srcOffset, dst, dstByteOffset, n);
            case BF16 -> HalfFloats.f32ToBf16(src, srcOffset, dst, dstByteOffset, n);
            case Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K -> {
                for (int b = 0; b < n / type.blockSize; b++) {
                    block(type, src, srcOffset + b * type.blockSize, dst, dstByteOffset + (long) b * type.typeSize);
                }
            }
            default -> throw new UnsupportedTensorTypeException("mlm4j cannot quantize to " + type.ggmlName()
                    + " (supported: f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q2_K, q3_K, q4_K, q5_K, q6_K, q8_K)");
        }
    }

    /** {@link #row} into a new byte array of {@code type.byteSize(n)} bytes. */
    public static byte[] toBytes(GgmlType type, float[] src, int srcOffset, int n) {
        byte[] out = new byte[Math.toIntExact(type.byteSize(n))];
        row(type, src, srcOffset, n, MemorySegment.ofArray(out), 0);
        return out;
    }

    private static void block(GgmlType type, float[] x, int xo, MemorySegment y, long at) {
        switch (type) {
            case Q4_0 -> symmetric(x, xo, y, at, 4, Blocks.Q4_0.D, -1, Blocks.Q4_0.QS);
            case Q5_0 -> symmetric(x, xo, y, at, 5, Blocks.Q5_0.D, Blocks.Q5_0.QH, Blocks.Q5_0.QS);
            case Q4_1 -> withMin(x, xo, y, at, 4, Blocks.Q4_1.D, Blocks.Q4_1.M, -1, Blocks.Q4_1.QS);
            case Q5_1 -> withMin(x, xo, y, at, 5, Blocks.Q5_1.D, Blocks.Q5_1.M, Blocks.Q5_1.QH, Blocks.Q5_1.QS);
            case Q8_0 -> q8_0(x, xo, y, at);
            case Q2_K -> q2_K(x, xo, y, at);
            case Q3_K -> q3_K(x, xo, y, at);
            case Q4_K -> q4_K(x, xo, y, at);
            case Q5_K -> q5_K(x, xo, y, at);
            case Q6_K -> q6_K(x, xo, y, at);
            case Q8_K -> q8_K(x, xo, y, at);
            default -> throw new AssertionError(type);
        }
    }

    // ---------------------------------------------------------------- rounding helpers

    /** C's {@code roundf}: halves away from zero. */
    static int roundHalfAway(float v) {
        int r = Math.round(Math.abs(v));
        return v < 0 ? -r : r;
    }

    /**
     * ggml's {@code nearest_int}: adding 1.5·2<sup>23</sup> leaves the integer nearest to {@code v}
     * (ties to even) in the low mantissa bits; valid for |v| ≤ 4194303.
     */
    static int nearestInt(float v) {
        int bits = Float.floatToRawIntBits(v + 12582912f);
        return (bits & 0x007FFFFF) - 0x00400000;
    }

    private static void putHalf(MemorySegment y, long at, float v) {
        y.set(LittleEndian.SHORT, at, Float.floatToFloat16(v));
    }

    private static float half(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }

    // ---------------------------------------------------------------- Q4_0 Q5_0 Q4_1 Q5_1 Q8_0

    /**
     * quantize_row_q4_0_ref / q5_0_ref: {@code d = max / -2^(bits-1)} where {@code max} is the value of
     * largest magnitude (sign kept), {@code q = min(2^bits - 1, trunc(x / d + 2^(bits-1) + 0.5))}.
     */
    private static void symmetric(float[] x, int xo, MemorySegment y, long at, int bits, int dOff, int qhOff, int qsOff) {
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        int half = 1 << (bits - 1);
        float d = max / -half;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(y, at + dOff, d);
        float offset = half + 0.5f;
        int qmax = (1 << bits) - 1;
        int[] q = new int[32];
        for (int j = 0; j < 32; j++) {
            q[j] = Math.min(qmax, (byte) (int) (x[xo + j] * id + offset));
        }
        packNibbles(q, y, at, qhOff, qsOff);
    }

    /**
     * quantize_row_q4_1_ref / q5_1_ref: {@code d = (max - min) / (2^bits - 1)}, {@code m = min},
     * {@code q = min(2^bits - 1, trunc((x - min) / d + 0.5))}.
     */
    private static void withMin(float[] x, int xo, MemorySegment y, long at, int bits, int dOff, int mOff, int qhOff,
                                int qsOff) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
        }
        int qmax = (1 << bits) - 1;
        float d = (max - min) / qmax;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(y, at + dOff, d);
        putHalf(y, at + mOff, min);
        int[] q = new int[32];
        for (int j = 0; j < 32; j++) {
            q[j] = Math.min(qmax, (int) ((x[xo + j] - min) * id + 0.5f) & 0xFF);
        }
        packNibbles(q, y, at, qhOff, qsOff);
    }

    /** Low nibbles of {@code q[j]} and {@code q[j+16]} into {@code qs[j]}; bit 4 into bit {@code j} of {@code qh}. */
    private static void packNibbles(int[] q, MemorySegment y, long at, int qhOff, int qsOff) {
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            y.set(LittleEndian.BYTE, at + qsOff + j, (byte) ((q[j] & 0xF) | (q[j + 16] & 0xF) << 4));
            qh |= (q[j] >>> 4 & 1) << j | (q[j + 16] >>> 4 & 1) << (j + 16);
        }
        if (qhOff >= 0) {
            y.set(LittleEndian.INT, at + qhOff, qh);
        }
    }

    /** quantize_row_q8_0_ref: {@code d = amax / 127}, {@code q = roundf(x / d)}. */
    private static void q8_0(float[] x, int xo, MemorySegment y, long at) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[xo + j]));
        }
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(y, at + Blocks.Q8_0.D, d);
        for (int j = 0; j < 32; j++) {
            y.set(LittleEndian.BYTE, at + Blocks.Q8_0.QS + j, (byte) roundHalfAway(x[xo + j] * id));
        }
    }

    // ---------------------------------------------------------------- K-quant helpers

    /** The first element of largest magnitude, its sign kept (the {@code max} of ggml's make_q*_quants). */
    private static float largestMagnitude(float[] x, int xo, int n) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        return max;
    }

    /**
     * ggml's make_qx_quants with {@code rmse_type = 1} and no importance weights (weights {@code x²}):
     * signed levels {@code L[i] = l + nmax}, {@code l ∈ [-nmax, nmax)}, and the scale that minimises the
     * weighted error over 19 trial inverse scales around {@code -nmax / max}.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xo, byte[] levels, int lo) {
        float max = largestMagnitude(x, xo, n);
        if (Math.abs(max) < GROUP_MAX_EPS) {
            Arrays.fill(levels, lo, lo + n, (byte) 0);
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xo + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * xi)));
            levels[lo + i] = (byte) (l + nmax);
            float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * xi)));
                float w = xi * xi;
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int l = nearestInt(iscale * x[xo + i]);
                    levels[lo + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * ggml's make_q3_quants with {@code do_rmse}: levels {@code l ∈ [-nmax, nmax)} refined one at a time
     * (up to 5 passes) while the weighted ({@code x²}) least-squares fit improves; returns the scale and
     * stores {@code l + nmax}.
     */
    static float makeQ3Quants(int n, int nmax, float[] x, int xo, byte[] levels, int lo) {
        float max = largestMagnitude(x, xo, n);
        if (Math.abs(max) < GROUP_MAX_EPS) {
            Arrays.fill(levels, lo, lo + n, (byte) 0);
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xo + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * xi)));
            levels[lo + i] = (byte) l;
            float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        for (int itry = 0; itry < 5; itry++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                int li = levels[lo + i];
                float w = xi * xi;
                float slx = sumlx - w * xi * li;
                if (slx > 0) {
                    float sl2 = suml2 - w * li * li;
                    int newL = Math.max(-nmax, Math.min(nmax - 1, nearestInt(xi * sl2 / slx)));
                    if (newL != li) {
                        slx += w * xi * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            levels[lo + i] = (byte) newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) {
                break;
            }
        }
        for (int i = 0; i < n; i++) {
            levels[lo + i] += (byte) nmax;
        }
        return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
    }

    /**
     * ggml's make_qkx2_quants: levels {@code L ∈ [0, nmax]} with {@code x ≈ scale * L - theMin}, the min
     * clamped to {@code <= 0} in {@code x}; starting from the min/max fit, tries {@code nstep + 1} inverse
     * scales {@code (rmin + rdelta * is + nmax) / (max - min)} and keeps the weighted least-squares fit
     * with the smallest weighted error ({@code |diff|} when {@code useMad}, else {@code diff²}).
     * Returns the scale; {@code theMin[0]} receives {@code -min}.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, byte[] levels, int lo,
                                float[] theMin, float rmin, float rdelta, int nstep, boolean useMad) {
        float min = x[xo];
        float max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float xi = x[xo + i];
            if (xi < min) {
                min = xi;
            }
            if (xi > max) {
                max = xi;
            }
            float w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            Arrays.fill(levels, lo, lo + n, (byte) 0);
            theMin[0] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
            levels[lo + i] = (byte) l;
            float diff = scale * l + min - x[xo + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        int[] aux = new int[n];
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
                aux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[xo + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    error += weights[i] * diff;
                }
                if (error < bestError) {
                    for (int i = 0; i < n; i++) {
                        levels[lo + i] = (byte) aux[i];
                    }
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[0] = -min;
        return scale;
    }

    /** Packs 2-bit levels as Q2_K/Q3_K {@code qs}: value {@code 32k + l} of each half into bits {@code 2k} of byte {@code l}. */
    private static void pack2Bit(byte[] levels, MemorySegment y, long qs) {
        for (int half = 0; half < 2; half++) {
            for (int l = 0; l < 32; l++) {
                int j = 128 * half + l;
                int b = levels[j] | levels[j + 32] << 2 | levels[j + 64] << 4 | levels[j + 96] << 6;
                y.set(LittleEndian.BYTE, qs + 32L * half + l, (byte) b);
            }
        }
    }

    // ---------------------------------------------------------------- Q2_K Q3_K

    /** quantize_row_q2_K_ref. */
    private static void q2_K(float[] x, int xo, MemorySegment y, long at) {
        final float q4scale = 15.f;
        byte[] levels = new byte[256];
        float[] weights = new float[16];
        float[] mins = new float[16];
        float[] scales = new float[16];
        float[] theMin = new float[1];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 16; j++) {
            for (int l = 0; l < 16; l++) {
                weights[l] = Math.abs(x[xo + 16 * j + l]);
            }
            scales[j] = makeQkx2Quants(16, 3, x, xo + 16 * j, weights, levels, 16 * j, theMin, -0.5f, 0.1f, 15, true);
            mins[j] = theMin[0];
            maxScale = Math.max(maxScale, scales[j]);
            maxMin = Math.max(maxMin, mins[j]);
        }
        int[] packed = new int[16];
        if (maxScale > 0) {
            float iscale = q4scale / maxScale;
            for (int j = 0; j < 16; j++) {
                packed[j] = nearestInt(iscale * scales[j]);
            }
            putHalf(y, at + Blocks.Q2_K.D, maxScale / q4scale);
        } else {
            putHalf(y, at + Blocks.Q2_K.D, 0f);
        }
        if (maxMin > 0) {
            float iscale = q4scale / maxMin;
            for (int j = 0; j < 16; j++) {
                packed[j] |= nearestInt(iscale * mins[j]) << 4;
            }
            putHalf(y, at + Blocks.Q2_K.DMIN, maxMin / q4scale);
        } else {
            putHalf(y, at + Blocks.Q2_K.DMIN, 0f);
        }
        float dAll = LittleEndian.f16(y, at + Blocks.Q2_K.D);
        float mAll = LittleEndian.f16(y, at + Blocks.Q2_K.DMIN);
        for (int j = 0; j < 16; j++) {
            int sc = packed[j] & 0xFF;
            y.set(LittleEndian.BYTE, at + Blocks.Q2_K.SCALES + j, (byte) sc);
            float d = dAll * (sc & 0xF);
            if (d == 0) {
                continue;
            }
            float dm = mAll * (sc >>> 4);
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt((x[xo + 16 * j + ii] + dm) / d);
                levels[16 * j + ii] = (byte) Math.max(0, Math.min(3, l));
            }
        }
        pack2Bit(levels, y, at + Blocks.Q2_K.QS);
    }

    /** quantize_row_q3_K_ref. */
    private static void q3_K(float[] x, int xo, MemorySegment y, long at) {
        byte[] levels = new byte[256];
        float[] scales = new float[16];
        float maxScale = 0;
        float amax = 0;
        for (int j = 0; j < 16; j++) {
            scales[j] = makeQ3Quants(16, 4, x, xo + 16 * j, levels, 16 * j);
            float scale = Math.abs(scales[j]);
            if (scale > amax) {
                amax = scale;
                maxScale = scales[j];
            }
        }
        byte[] packed = new byte[12];
        if (maxScale != 0) {
            float iscale = -32.f / maxScale;
            for (int j = 0; j < 16; j++) {
                int l = (byte) nearestInt(iscale * scales[j]);
                l = Math.max(-32, Math.min(31, l)) + 32;
                if (j < 8) {
                    packed[j] = (byte) (l & 0xF);
                } else {
                    packed[j - 8] |= (byte) ((l & 0xF) << 4);
                }
                packed[j % 4 + 8] |= (byte) ((l >>> 4) << (2 * (j / 4)));
            }
            putHalf(y, at + Blocks.Q3_K.D, 1 / iscale);
        } else {
            putHalf(y, at + Blocks.Q3_K.D, 0f);
        }
        MemorySegment.copy(packed, 0, y, LittleEndian.BYTE, at + Blocks.Q3_K.SCALES, 12);
        float dAll = LittleEndian.f16(y, at + Blocks.Q3_K.D);
        for (int j = 0; j < 16; j++) {
            float d = dAll * Blocks.Q3_K.scale(y, at, j);
            if (d == 0) {
                continue;
            }
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt(x[xo + 16 * j + ii] / d);
                levels[16 * j + ii] = (byte) (Math.max(-4, Math.min(3, l)) + 4);
            }
        }
        byte[] hmask = new byte[32];
        for (int j = 0; j < 256; j++) {
            if (levels[j] > 3) {
                hmask[j % 32] |= (byte) (1 << (j / 32));
                levels[j] -= 4;
            }
        }
        MemorySegment.copy(hmask, 0, y, LittleEndian.BYTE, at + Blocks.Q3_K.HMASK, 32);
        pack2Bit(levels, y, at + Blocks.Q3_K.QS);
    }

    // ---------------------------------------------------------------- Q4_K Q5_K

    /**
     * The part of quantize_row_q4_K_ref and q5_K_ref before the bit packing: per 32-value sub-block a
     * make_qkx2_quants fit with weights {@code sqrt(mean(x²)) + |x|}, 6-bit scales and mins relative to
     * the largest of each (stored with {@code d}, {@code dmin} at the Q4_K/Q5_K offsets), then the levels
     * recomputed with the stored scales. Returns the 256 levels in {@code [0, nmax]}.
     */
    private static byte[] kQuantWithMins(float[] x, int xo, MemorySegment y, long at, int nmax, float rmin, float rdelta,
                                         int nstep) {
        byte[] levels = new byte[256];
        float[] weights = new float[32];
        float[] mins = new float[8];
        float[] scales = new float[8];
        float[] theMin = new float[1];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                sumX2 += x[xo + 32 * j + l] * x[xo + 32 * j + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                weights[l] = avX + Math.abs(x[xo + 32 * j + l]);
            }
            scales[j] = makeQkx2Quants(32, nmax, x, xo + 32 * j, weights, levels, 32 * j, theMin, rmin, rdelta, nstep, false);
            mins[j] = theMin[0];
            if (scales[j] > maxScale) {
                maxScale = scales[j];
            }
            if (mins[j] > maxMin) {
                maxMin = mins[j];
            }
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        byte[] packed = new byte[Blocks.K_SCALE_SIZE];
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
            if (j < 4) {
                packed[j] = (byte) ls;
                packed[j + 4] = (byte) lm;
            } else {
                packed[j + 4] = (byte) ((ls & 0xF) | (lm & 0xF) << 4);
                packed[j - 4] |= (byte) ((ls >>> 4) << 6);
                packed[j] |= (byte) ((lm >>> 4) << 6);
            }
        }
        long scalesAt = at + Blocks.Q4_K.SCALES;
        MemorySegment.copy(packed, 0, y, LittleEndian.BYTE, scalesAt, packed.length);
        putHalf(y, at + Blocks.Q4_K.D, maxScale / 63.f);
        putHalf(y, at + Blocks.Q4_K.DMIN, maxMin / 63.f);
        float dAll = LittleEndian.f16(y, at + Blocks.Q4_K.D);
        float mAll = LittleEndian.f16(y, at + Blocks.Q4_K.DMIN);
        for (int j = 0; j < 8; j++) {
            float d = dAll * Blocks.Q4_K.scale(y, scalesAt, j);
            if (d == 0) {
                continue;
            }
            float dm = mAll * Blocks.Q4_K.min(y, scalesAt, j);
            for (int ii = 0; ii < 32; ii++) {
                int l = nearestInt((x[xo + 32 * j + ii] + dm) / d);
                levels[32 * j + ii] = (byte) Math.max(0, Math.min(nmax, l));
            }
        }
        return levels;
    }

    /** quantize_row_q4_K_ref. */
    private static void q4_K(float[] x, int xo, MemorySegment y, long at) {
        byte[] levels = kQuantWithMins(x, xo, y, at, 15, -1.f, 0.1f, 20);
        for (int chunk = 0; chunk < 4; chunk++) {
            for (int l = 0; l < 32; l++) {
                int j = 64 * chunk + l;
                y.set(LittleEndian.BYTE, at + Blocks.Q4_K.QS + 32L * chunk + l, (byte) (levels[j] | levels[j + 32] << 4));
            }
        }
    }

    /** quantize_row_q5_K_ref. */
    private static void q5_K(float[] x, int xo, MemorySegment y, long at) {
        byte[] levels = kQuantWithMins(x, xo, y, at, 31, -0.5f, 0.1f, 15);
        byte[] qh = new byte[32];
        for (int chunk = 0; chunk < 4; chunk++) {
            for (int l = 0; l < 32; l++) {
                int j = 64 * chunk + l;
                int l1 = levels[j];
                int l2 = levels[j + 32];
                qh[l] |= (byte) ((l1 >>> 4) << (2 * chunk) | (l2 >>> 4) << (2 * chunk + 1));
                y.set(LittleEndian.BYTE, at + Blocks.Q5_K.QS + 32L * chunk + l, (byte) ((l1 & 0xF) | (l2 & 0xF) << 4));
            }
        }
        MemorySegment.copy(qh, 0, y, LittleEndian.BYTE, at + Blocks.Q5_K.QH, 32);
    }

    // ---------------------------------------------------------------- Q6_K Q8_K

    /** quantize_row_q6_K_ref. */
    private static void q6_K(float[] x, int xo, MemorySegment y, long at) {
        byte[] levels = new byte[256];
        float[] scales = new float[16];
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = makeQxQuants(16, 32, x, xo + 16 * ib, levels, 16 * ib);
            scales[ib] = scale;
            if (Math.abs(scale) > maxAbsScale) {
                maxAbsScale = Math.abs(scale);
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            y.asSlice(at, Blocks.Q6_K.BYTES).fill((byte) 0);
            return;
        }
        float iscale = -128.f / maxScale;
        putHalf(y, at + Blocks.Q6_K.D, 1 / iscale);
        for (int ib = 0; ib < 16; ib++) {
            y.set(LittleEndian.BYTE, at + Blocks.Q6_K.SCALES + ib, (byte) Math.min(127, nearestInt(iscale * scales[ib])));
        }
        float dAll = LittleEndian.f16(y, at + Blocks.Q6_K.D);
        for (int j = 0; j < 16; j++) {
            float d = dAll * LittleEndian.i8(y, at + Blocks.Q6_K.SCALES + j);
            if (d == 0) {
                continue;
            }
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt(x[xo + 16 * j + ii] / d);
                levels[16 * j + ii] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
            }
        }
        for (int half = 0; half < 2; half++) {
            for (int l = 0; l < 32; l++) {
                int j = 128 * half + l;
                int q1 = levels[j];
                int q2 = levels[j + 32];
                int q3 = levels[j + 64];
                int q4 = levels[j + 96];
                long ql = at + Blocks.Q6_K.QL + 64L * half;
                y.set(LittleEndian.BYTE, ql + l, (byte) ((q1 & 0xF) | (q3 & 0xF) << 4));
                y.set(LittleEndian.BYTE, ql + l + 32, (byte) ((q2 & 0xF) | (q4 & 0xF) << 4));
                y.set(LittleEndian.BYTE, at + Blocks.Q6_K.QH + 32L * half + l,
                        (byte) (q1 >>> 4 | (q2 >>> 4) << 2 | (q3 >>> 4) << 4 | (q4 >>> 4) << 6));
            }
        }
    }

    /**
     * quantize_row_q8_K_ref: {@code d = max / -127} (fp32) from the value of largest magnitude,
     * {@code q = min(127, nearest_int(x / d))}, and the sums of each 16 quants. An all-zero block gets
     * {@code d = 0} and zero quants (and here also zero sums, which ggml leaves unwritten).
     */
    private static void q8_K(float[] x, int xo, MemorySegment y, long at) {
        float max = 0;
        float amax = 0;
        for (int j = 0; j < 256; j++) {
            float ax = Math.abs(x[xo + j]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + j];
            }
        }
        if (amax == 0) {
            y.asSlice(at, Blocks.Q8_K.BYTES).fill((byte) 0);
            return;
        }
        float iscale = -127.f / max;
        for (int g = 0; g < 16; g++) {
            int sum = 0;
            for (int ii = 0; ii < 16; ii++) {
                int j = 16 * g + ii;
                int q = Math.min(127, nearestInt(iscale * x[xo + j]));
                y.set(LittleEndian.BYTE, at + Blocks.Q8_K.QS + j, (byte) q);
                sum += (byte) q;
            }
            y.set(LittleEndian.SHORT, at + Blocks.Q8_K.BSUMS + 2L * g, (short) sum);
        }
        y.set(LittleEndian.FLOAT, at + Blocks.Q8_K.D, 1 / iscale);
    }
}
