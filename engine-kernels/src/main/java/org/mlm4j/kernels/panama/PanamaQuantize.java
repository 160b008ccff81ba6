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
