package org.mlm4j.kernels.panama;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.mlm4j.kernels.SsmKernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Vector API selective scan: channels outer, time inner, so one channel's state stays in L1
 * (one 512-bit register for d_state 16) across the whole prompt; the d_state lanes of a channel
 * are one vector operation, with a scalar tail when d_state is not a multiple of the width.
 */
final class PanamaSsmKernels implements SsmKernels {
    private static final VectorSpecies<Float> F = VectorConstants.F;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public void scanChannel(float[] state, MemorySegment a, int d, int dInner, int dState,
                            float[] x, float[] dt, float[] bc, int bOffset, int cOffset, int bcStride,
                            float[] y, int nTokens) {
        int vectorEnd = F.loopBound(dState);
        int base = d * dState;
        for (int t = 0; t < nTokens; t++) {
            int td = t * dInner + d;
            float delta = SsmKernels.softplus(dt[td]);
            float xDelta = x[td] * delta;
            int bRow = t * bcStride + bOffset;
            int cRow = t * bcStride + cOffset;
            FloatVector acc = FloatVector.zero(F);
            int n = 0;
            for (; n < vectorEnd; n += F.length()) {
                FloatVector decay = VectorMath.exp(FloatVector.fromMemorySegment(F, a, (long) (base + n) * Float.BYTES,
                        ByteOrder.LITTLE_ENDIAN).mul(delta));
                FloatVector s = FloatVector.fromArray(F, state, base + n).mul(decay)
                        .add(FloatVector.fromArray(F, bc, bRow + n).mul(xDelta));
                s.intoArray(state, base + n);
                acc = s.fma(FloatVector.fromArray(F, bc, cRow + n), acc);
            }
            float sum = Lanes.sum(acc);
            for (; n < dState; n++) {
                float s = state[base + n] * (float) Math.exp(delta * a.getAtIndex(F32, base + n)) + bc[bRow + n] * xDelta;
                state[base + n] = s;
                sum += s * bc[cRow + n];
            }
            y[td] = sum;
        }
    }
}
