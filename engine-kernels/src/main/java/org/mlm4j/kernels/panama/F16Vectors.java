package org.mlm4j.kernels.panama;

import static org.mlm4j.kernels.panama.VectorConstants.F;
import static org.mlm4j.kernels.panama.VectorConstants.I;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * fp16 → float conversion of a whole vector in registers (the Vector API has no half-float
 * conversion): exact for every fp16 value, like {@link Float#float16ToFloat}.
 */
final class F16Vectors {
    private F16Vectors() {
    }

    /** As many shorts as {@link VectorConstants#F} has float lanes. */
    static final VectorSpecies<Short> HALF = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));

    /**
     * The fp16 values {@code src[offset … offset + F.length())} as floats. Exponent and mantissa
     * shifted into place denote the value times 2^−112 (subnormals included), so one multiply by
     * 2^112 rescales exactly; infinities and NaNs then get the all-ones exponent, NaNs made quiet as
     * F16C's {@code vcvtph2ps} (and so the JDK's intrinsic) does. The sign comes from the
     * sign-extended short.
     */
    static FloatVector load(short[] src, int offset) {
        IntVector h = (IntVector) ShortVector.fromArray(HALF, src, offset).convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = h.and(0x7fff);
        IntVector scaled = magnitude.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                .reinterpretAsInts();
        return scaled.or(h.and(0x80000000))
                .lanewise(VectorOperators.OR, 0x7f800000, magnitude.compare(VectorOperators.GT, 0x7bff))
                .lanewise(VectorOperators.OR, 0x00400000, magnitude.compare(VectorOperators.GT, 0x7c00))
                .reinterpretAsFloats();
    }

    /**
     * Runs from this long go through a plain loop of {@link Float#float16ToFloat}, which C2
     * compiles to {@code vcvtph2ps}: at 512 bits 0.054 ns a value for 1024 values against 0.113 in
     * registers, but 0.182 against 0.114 for 128 (the loop's entry and exit cost more than it saves).
     */
    private static final int PLAIN_LOOP_FROM = 512;

    /** {@code dst[i] = fp32(src[i])} for n values. */
    static void toFloats(short[] src, int srcOffset, float[] dst, int dstOffset, int n) {
        if (n >= PLAIN_LOOP_FROM) {
            for (int i = 0; i < n; i++) {
                dst[dstOffset + i] = Float.float16ToFloat(src[srcOffset + i]);
            }
            return;
        }
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            load(src, srcOffset + i).intoArray(dst, dstOffset + i);
        }
        for (; i < n; i++) {
            dst[dstOffset + i] = Float.float16ToFloat(src[srcOffset + i]);
        }
    }
}
