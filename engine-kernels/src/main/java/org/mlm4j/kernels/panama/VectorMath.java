package org.mlm4j.kernels.panama;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Transcendental functions from exact IEEE lane operations (FMA, multiply, add, integer bit
 * tricks), so a lane gives the same bits whether the JIT has compiled the loop or not. The Vector
 * API's own {@code lanewise(EXP)} calls a vector math library once compiled and {@code Math.exp}
 * before, and the two disagree in the last bit: results would depend on JIT timing.
 */
final class VectorMath {
    private static final float ROUND = 0x1.8p23f;          // adding it rounds to an integer
    private static final float LOG2_E = 0x1.715476p+0f;
    private static final float LN2_HI = 0x1.62e4p-1f;      // ln 2 split in two for an exact reduction
    private static final float LN2_LO = 0x1.7f7d1cp-20f;
    private static final float C5 = 0x1.0e4020p-7f;        // minimax polynomial for e^b on |b| ≤ ln2/2
    private static final float C4 = 0x1.573e2ep-5f;
    private static final float C3 = 0x1.555e66p-3f;
    private static final float C2 = 0x1.fffdb6p-2f;
    private static final float C1 = 0x1.ffffecp-1f;

    private VectorMath() {
    }

    /**
     * e^x, as ggml's {@code ggml_v_expf} (llama.cpp's vector exp for softmax and SiLU; max error
     * 1.5 ulp): x = n·ln2 + b with integer n, e^b by a degree-5 polynomial, then scaled by 2^n.
     * Overflows to +∞ above about 88.7 and flushes to 0 below about −103.9; NaN stays NaN.
     */
    static FloatVector exp(FloatVector x) {
        // no calls to helpers of ours: where C2 stops inlining (NodeCountInliningCutoff in a large
        // kernel) a helper taking a vector is called out of line, boxing it and running the lane
        // operations interpreted; the Vector API's own methods are always inlined
        FloatVector n = x.fma(LOG2_E, ROUND).sub(ROUND);
        FloatVector minusN = n.neg();
        FloatVector b = minusN.fma(FloatVector.broadcast(x.species(), LN2_LO),
                minusN.fma(FloatVector.broadcast(x.species(), LN2_HI), x));
        FloatVector u = b.mul(b);
        FloatVector j = b.fma(C5, C4).fma(u, b.fma(C3, C2)).fma(u, b.fma(C1, 1f));
        // 2^n as two factors 2^n1 · 2^n2, each a normal float built in the exponent field, so
        // results down to subnormals are exact
        IntVector ni = (IntVector) n.max(-192f).min(192f).convert(VectorOperators.F2I, 0);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector twoN1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector twoN2 = ni.sub(n1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector result = j.mul(twoN1).mul(twoN2);
        VectorMask<Float> overflow = x.compare(VectorOperators.GT, 88.72283f);
        VectorMask<Float> underflow = x.compare(VectorOperators.LT, -103.97208f);
        return result.blend(Float.POSITIVE_INFINITY, overflow).blend(0f, underflow);
    }

    /** tanh(x) = 1 − 2 / (e^{2x} + 1), through {@link #exp}; saturates to ±1. */
    static FloatVector tanh(FloatVector x) {
        FloatVector two = FloatVector.broadcast(x.species(), 2f);
        return two.div(exp(x.mul(2f)).add(1f)).neg().add(1f);
    }
}
