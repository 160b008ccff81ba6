package org.mlm4j.kernels.panama;

import static org.mlm4j.kernels.panama.VectorConstants.F;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

/**
 * Horizontal sums in one fixed order. Kernels store their accumulators ({@code intoArray}) and sum
 * the lanes here, pairwise. Two reasons: {@code reduceLanes(ADD)} leaves the order open and its
 * compiled and interpreted forms differ, which would make results depend on JIT timing and on how
 * rows are split over threads; and a vector handed to a call C2 does not inline is boxed, which in
 * a large kernel method (where C2 stops inlining) costs more than the whole product.
 */
final class Lanes {
    /** Floats of scratch a kernel needs to store {@code accumulators} vectors. */
    static int scratch(int accumulators) {
        return accumulators * F.length();
    }

    private Lanes() {
    }

    /**
     * Σ of the {@code F.length()} floats at {@code lanes[offset]}: halves added until one is left.
     * Spelled out in locals for the usual widths: the in-place loop below waits on a store-to-load
     * forward at every level, which made this ~6 % of a Q4_0 decode step.
     */
    static float sum(float[] lanes, int offset) {
        int o = offset;
        return switch (F.length()) {
            case 4 -> (lanes[o] + lanes[o + 2]) + (lanes[o + 1] + lanes[o + 3]);
            case 8 -> ((lanes[o] + lanes[o + 4]) + (lanes[o + 2] + lanes[o + 6]))
                    + ((lanes[o + 1] + lanes[o + 5]) + (lanes[o + 3] + lanes[o + 7]));
            case 16 -> (((lanes[o] + lanes[o + 8]) + (lanes[o + 4] + lanes[o + 12]))
                    + ((lanes[o + 2] + lanes[o + 10]) + (lanes[o + 6] + lanes[o + 14])))
                    + (((lanes[o + 1] + lanes[o + 9]) + (lanes[o + 5] + lanes[o + 13]))
                    + ((lanes[o + 3] + lanes[o + 11]) + (lanes[o + 7] + lanes[o + 15])));
            default -> sumInPlace(lanes, offset);
        };
    }

    private static float sumInPlace(float[] lanes, int offset) {
        for (int width = F.length() / 2; width >= 1; width /= 2) {
            for (int i = 0; i < width; i++) {
                lanes[offset + i] += lanes[offset + i + width];
            }
        }
        return lanes[offset];
    }

    /** Σ lanes of {@code v} in the order of {@link #sum(float[], int)}, for code outside the hottest loops. */
    static float sum(FloatVector v) {
        return sum(v.toArray(), 0);
    }

    /** Σ lanes of {@code v}, halves added pairwise: a fixed order. */
    static double sum(DoubleVector v) {
        double[] lanes = v.toArray();
        for (int width = lanes.length / 2; width >= 1; width /= 2) {
            for (int i = 0; i < width; i++) {
                lanes[i] += lanes[i + width];
            }
        }
        return lanes[0];
    }
}
