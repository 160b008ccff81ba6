package org.mlm4j.kernels.panama;

import static org.mlm4j.kernels.panama.VectorConstants.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/**
 * A horizontal sum with one fixed order: halves added pairwise ({@code log2(lanes)} permute+add
 * steps). {@code reduceLanes(ADD)} leaves the order open, and its compiled and interpreted forms
 * do differ, which would make a result depend on JIT timing and on how rows are split over threads.
 */
final class Lanes {
    private static final VectorShuffle<Float>[] FOLDS = folds();

    private Lanes() {
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] folds() {
        int steps = Integer.numberOfTrailingZeros(F.length());
        VectorShuffle<Float>[] folds = new VectorShuffle[steps];
        for (int s = 0, half = F.length() / 2; s < steps; s++, half /= 2) {
            int h = half;
            folds[s] = VectorShuffle.fromOp(F, i -> (i + h) % F.length());
        }
        return folds;
    }

    /** Σ lanes of {@code v}, always in the same order. */
    static float sum(FloatVector v) {
        for (VectorShuffle<Float> fold : FOLDS) {
            v = v.add(v.rearrange(fold));
        }
        return v.lane(0);
    }
}
