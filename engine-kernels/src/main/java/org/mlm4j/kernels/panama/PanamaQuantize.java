package org.mlm4j.kernels.panama;

import static org.mlm4j.kernels.panama.VectorConstants.F;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.mlm4j.kernels.Activations;
import org.mlm4j.tensor.HalfFloats;

/**
 * Vector twins of the activation conversions ({@link Activations.Converter}), bit for bit with the
 * scalar ones.
 *
 * <p>{@link #q8_0Block} (ggml's AVX {@code quantize_row_q8_0}): the largest magnitude and the integer
 * sum do not depend on the order of the lanes, each quant is {@code x·(127/amax)} rounded half to
 * even by adding and subtracting 1.5·2^23, as the scalar method does. Below 8 float lanes there is
 * no byte species as narrow as the vector (the narrowest holds 8), so the scalar method runs.
 *
 * <p>{@link #roundToF16} (what {@code Float.floatToFloat16} then {@code float16ToFloat} give; C2
 * does not vectorize that loop, 1.2 ns a value before, ~7 % of a ViT matmul): values in fp16's
 * normal range keep 11 significant bits, rounded half to even on the bit pattern
 * ({@code u + 0xFFF + bit 13, low 13 bits cleared}; a carry moves into the exponent, as it should);
 * below 2^-14, fp16's subnormals are the multiples of 2^-24, reached by adding and subtracting 0.75
 * (whose ulp is 2^-24); above 65504 the result is infinite; NaN stays NaN.
 */
final class PanamaQuantize {
    private static final boolean VECTOR = F.length() >= 8;
    /** Bytes with as many lanes as {@link VectorConstants#F}: one float vector's quants. */
    private static final VectorSpecies<Byte> QUANTS = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(Math.max(64, F.length() * 8)));

    private static final int SIGN = 0x8000_0000;
    /** Magnitudes from here on round to infinity in fp16 (halfway between 65504 and 65536). */
    private static final float F16_OVERFLOW = 65520f;
    private static final float F16_MIN_NORMAL = 0x1p-14f;
    private static final float SUBNORMAL_ROUNDER = 0.75f;

    static final Activations.Converter CONVERTER = new Activations.Converter() {
        @Override
        public void quantizeQ8_0Block(float[] x, int xOffset, byte[] qs, int qOffset, float[] d, float[] s, int block) {
            q8_0Block(x, xOffset, qs, qOffset, d, s, block);
        }

        @Override
        public void roundToF16(float[] x, int from, float[] out, int to, int n) {
            PanamaQuantize.roundToF16(x, from, out, to, n);
        }

        @Override
        public void quantizeQ8_KBlock(float[] x, int xOffset, byte[] qs, int qOffset, float[] d, short[] bsums,
                                      int block) {
            q8_KBlock(x, xOffset, qs, qOffset, d, bsums, block);
        }
    };

    private PanamaQuantize() {
    }

    /** As {@link Activations#roundToF16}. */
    static void roundToF16(float[] x, int from, float[] out, int to, int n) {
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, from + i);
            IntVector bits = (IntVector) v.reinterpretAsInts();
            IntVector sign = bits.and(SIGN);
            IntVector magnitude = bits.and(~SIGN);
            IntVector even = magnitude.lanewise(VectorOperators.LSHR, 13).and(1);
            FloatVector normal = magnitude.add(0xFFF).add(even).and(~0x1FFF).or(sign).reinterpretAsFloats();
            // the sign goes back on too: a tiny negative value rounds to −0, as in fp16
            FloatVector subnormal = ((IntVector) v.add(SUBNORMAL_ROUNDER).sub(SUBNORMAL_ROUNDER).reinterpretAsInts())
                    .or(sign).reinterpretAsFloats();
            FloatVector infinity = sign.or(Float.floatToRawIntBits(Float.POSITIVE_INFINITY)).reinterpretAsFloats();
            FloatVector abs = v.abs();
            FloatVector r = normal.blend(subnormal, abs.compare(VectorOperators.LT, F16_MIN_NORMAL))
                    .blend(infinity, abs.compare(VectorOperators.GE, F16_OVERFLOW));
            r.blend(v, v.test(VectorOperators.IS_NAN)).intoArray(out, to + i);
        }
        Activations.roundToF16(x, from + i, out, to + i, n - i);
    }

    /**
     * As {@link Activations#quantizeQ8_KBlock}, same arguments: the first value of largest magnitude
     * (ggml's loop keeps the first), {@code iscale = −127/max}, each quant
     * {@code min(127, nearest_int(iscale·x))} with ggml's {@code nearest_int} (add 1.5·2^23, take the
     * low mantissa bits), {@code d = 1/iscale}. Values with a NaN take the scalar method (its
     * comparisons skip NaN, a vector maximum does not).
     */
    static void q8_KBlock(float[] x, int xOffset, byte[] qs, int qOffset, float[] d, short[] bsums, int block) {
        FloatVector largest = FloatVector.zero(F);
        for (int j = 0; j < 256; j += F.length()) {
            largest = largest.max(FloatVector.fromArray(F, x, xOffset + j).abs());
        }
        float amax = largest.reduceLanes(VectorOperators.MAX);
        if (!VECTOR || Float.isNaN(amax)) {
            Activations.quantizeQ8_KBlock(x, xOffset, qs, qOffset, d, bsums, block);
            return;
        }
        if (amax == 0) {
            java.util.Arrays.fill(qs, qOffset, qOffset + 256, (byte) 0);
            java.util.Arrays.fill(bsums, 16 * block, 16 * block + 16, (short) 0);
            d[block] = 0;
            return;
        }
        float max = 0;
        for (int j = 0; j < 256; j += F.length()) {
            int first = FloatVector.fromArray(F, x, xOffset + j).abs().compare(VectorOperators.EQ, amax).firstTrue();
            if (first < F.length()) {
                max = x[xOffset + j + first];
                break;
            }
        }
        float iscale = -127f / max;
        for (int g = 0; g < 16; g++) {
            IntVector sum = IntVector.zero(VectorConstants.I);
            for (int j = 16 * g; j < 16 * g + 16; j += F.length()) {
                IntVector bits = (IntVector) FloatVector.fromArray(F, x, xOffset + j).mul(iscale)
                        .add(Activations.ROUND_TO_INTEGER).reinterpretAsInts();
                IntVector q = bits.and(0x007FFFFF).sub(0x00400000).min(127);
                ((ByteVector) q.convertShape(VectorOperators.I2B, QUANTS, 0)).intoArray(qs, qOffset + j);
                sum = sum.add(q);
            }
            bsums[16 * block + g] = (short) sum.reduceLanes(VectorOperators.ADD);
        }
        d[block] = 1 / iscale;
    }

    /** As {@link Activations#quantizeQ8_0Block}, same arguments. */
    static void q8_0Block(float[] x, int xOffset, byte[] qs, int qOffset, float[] d, float[] s, int block) {
        if (!VECTOR) {
            Activations.quantizeQ8_0Block(x, xOffset, qs, qOffset, d, s, block);
            return;
        }
        FloatVector largest = FloatVector.zero(F);
        for (int j = 0; j < 32; j += F.length()) {
            largest = largest.max(FloatVector.fromArray(F, x, xOffset + j).abs());
        }
        float amax = largest.reduceLanes(VectorOperators.MAX);
        float scale = amax / 127f;
        float inverse = amax != 0 ? 127f / amax : 0f;
        IntVector sums = IntVector.zero(VectorConstants.I);
        for (int j = 0; j < 32; j += F.length()) {
            FloatVector q = FloatVector.fromArray(F, x, xOffset + j).mul(inverse)
                    .add(Activations.ROUND_TO_INTEGER).sub(Activations.ROUND_TO_INTEGER);
            ((ByteVector) q.convertShape(VectorOperators.F2B, QUANTS, 0)).intoArray(qs, qOffset + j);
            sums = sums.add((IntVector) q.convert(VectorOperators.F2I, 0));
        }
        d[block] = HalfFloats.roundToF16(scale);
        if (s != null) {
            s[block] = HalfFloats.roundToF16(scale * sums.reduceLanes(VectorOperators.ADD));
        }
    }
}
