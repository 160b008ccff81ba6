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
 * Vector twin of {@link Activations#quantizeQ8_0Block} (ggml's AVX {@code quantize_row_q8_0}),
 * bit for bit: the largest magnitude and the integer sum do not depend on the order of the lanes,
 * each quant is {@code x·(127/amax)} rounded half to even by adding and subtracting 1.5·2^23, as
 * the scalar method does. Below 8 float lanes there is no byte species as narrow as the vector (the
 * narrowest holds 8), so the scalar method runs.
 */
final class PanamaQuantize {
    private static final float ROUND_TO_INTEGER = 12582912f;
    private static final boolean VECTOR = F.length() >= 8;
    /** Bytes with as many lanes as {@link VectorConstants#F}: one float vector's quants. */
    private static final VectorSpecies<Byte> QUANTS = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(Math.max(64, F.length() * 8)));

    private PanamaQuantize() {
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
                    .add(ROUND_TO_INTEGER).sub(ROUND_TO_INTEGER);
            ((ByteVector) q.convertShape(VectorOperators.F2B, QUANTS, 0)).intoArray(qs, qOffset + j);
            sums = sums.add((IntVector) q.convert(VectorOperators.F2I, 0));
        }
        d[block] = HalfFloats.roundToF16(scale);
        if (s != null) {
            s[block] = HalfFloats.roundToF16(scale * sums.reduceLanes(VectorOperators.ADD));
        }
    }
}
