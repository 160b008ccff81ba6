package org.mlm4j.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Scalar selective scan: the definition the Vector API scan is tested against. */
final class ScalarSsmKernels implements SsmKernels {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public void scanChannel(float[] state, MemorySegment a, int d, int dInner, int dState,
                            float[] x, float[] dt, float[] bc, int bOffset, int cOffset, int bcStride,
                            float[] y, int nTokens) {
        for (int t = 0; t < nTokens; t++) {
            int td = t * dInner + d;
            float delta = SsmKernels.softplus(dt[td]);
            float xDelta = x[td] * delta;
            int row = t * bcStride;
            float sum = 0f;
            for (int n = 0; n < dState; n++) {
                int dn = d * dState + n;
                float s = state[dn] * (float) Math.exp(delta * a.getAtIndex(F32, dn)) + bc[row + bOffset + n] * xDelta;
                state[dn] = s;
                sum += s * bc[row + cOffset + n];
            }
            y[td] = sum;
        }
    }
}
