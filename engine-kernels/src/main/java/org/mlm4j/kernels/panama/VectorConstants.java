package org.mlm4j.kernels.panama;

import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species every Panama kernel uses, derived from one width: the platform's preferred
 * shape (which {@code -XX:MaxVectorSize} lowers) or {@code -Dmlm4j.vectorBits=128|256|512}.
 * Vector-API statics live here, not in kernel classes, as in Lucene's PanamaVectorConstants.
 */
final class VectorConstants {
    private VectorConstants() {
    }

    static final int VECTOR_BITS = Integer.getInteger("mlm4j.vectorBits", VectorShape.preferredShape().vectorBitSize());
    static final VectorShape SHAPE = VectorShape.forBitSize(VECTOR_BITS);
    static final VectorSpecies<Float> F = VectorSpecies.of(float.class, SHAPE);
    static final VectorSpecies<Double> D = VectorSpecies.of(double.class, SHAPE);
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, SHAPE);
    static final VectorSpecies<Long> L = VectorSpecies.of(long.class, SHAPE);
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, SHAPE);
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, SHAPE);
    /**
     * Bytes loaded at once to widen into {@link #I} lanes: as many as I has lanes, except at 128 bits,
     * where one 16-byte load fills {@link #B_TO_I_PARTS} = 4 int vectors. Measured on Q8_0 decode
     * (bench/README.md): at 128 bits 16-byte loads beat 8-byte ones by a third; at 256 bits the
     * 8-byte load widened whole beats a 16-byte one widened in two parts by as much.
     */
    static final VectorSpecies<Byte> B_TO_I = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(I.length() >= 8 ? I.length() * 8 : 128));
    static final int B_TO_I_PARTS = B_TO_I.length() / I.length();
}
