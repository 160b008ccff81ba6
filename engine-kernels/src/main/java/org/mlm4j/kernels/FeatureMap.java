package org.mlm4j.kernels;

import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kernel feature map φ of linear attention, which replaces {@code exp(scale·q·k)} by
 * {@code φ(q)·φ(k)} so that {@code Σ_p φ(q)·φ(k_p) v_p = φ(q)ᵀ (Σ_p φ(k_p) v_pᵀ)} costs O(M·d) per
 * query instead of O(n·d).
 * <ul>
 * <li>{@link #ELU_PLUS_ONE}: {@code φ(x) = elu(x) + 1} on the raw head vector, M = d
 *     (Katharopoulos et al. 2020, "Transformers are RNNs"); the scale does not enter.</li>
 * <li>{@link #favor}: Performer's positive random features (Choromanski et al. 2021, FAVOR+):
 *     with {@code x' = √scale·x}, {@code φ(x')_i = exp(ω_i·x' − |x'|²/2)} for M directions ω_i drawn
 *     once from a fixed seed as orthogonal Gaussian blocks, so that
 *     {@code E[φ(q')·φ(k')] = exp(scale·q·k)} up to the common 1/M factor, which cancels in the
 *     normalisation.</li>
 * </ul>
 */
public sealed interface FeatureMap {

    /** Katharopoulos et al.'s {@code elu(x) + 1}. */
    FeatureMap ELU_PLUS_ONE = new EluPlusOne();

    /** The seed every FAVOR+ map uses, so that runs are reproducible. */
    long FAVOR_SEED = 0x5EED_FA70_2021L;

    /** FAVOR+ with {@code features} orthogonal random features from {@link #FAVOR_SEED}. */
    static FeatureMap favor(int features) {
        if (features <= 0) {
            throw new IllegalArgumentException("attention linear:favor needs a positive number of features, got " + features);
        }
        return new Favor(features, FAVOR_SEED);
    }

    /** M, the width of φ(x) for a head of {@code headDim}. */
    int features(int headDim);

    /**
     * The scalar definition of the first step: elu+1 writes φ(x) itself into {@code phi} and
     * returns 0; FAVOR+ writes the logits {@code ω_i·x' − |x'|²/2} ({@code x' = √scale·x}) and
     * returns their max. {@link #exponentiate} finishes.
     */
    float logits(float[] x, int xOffset, int headDim, float scale, float[] phi);

    /**
     * The second step: FAVOR+ turns logits into {@code exp(logit − stabiliser)} in place (the
     * stabiliser cancels in linear attention's ratio); elu+1 has nothing to do.
     */
    default void exponentiate(float[] phi, float stabiliser) {
    }

    /** {@code elu(x) + 1}. */
    record EluPlusOne() implements FeatureMap {
        @Override
        public int features(int headDim) {
            return headDim;
        }

        @Override
        public float logits(float[] x, int xOffset, int headDim, float scale, float[] phi) {
            for (int d = 0; d < headDim; d++) {
                phi[d] = apply(x[xOffset + d]);
            }
            return 0;
        }

        /** elu(x) + 1 = x + 1 for x > 0, exp(x) otherwise. */
        public static float apply(float x) {
            return x > 0 ? x + 1 : (float) Math.exp(x);
        }
    }

    /** Performer's positive orthogonal random features. */
    record Favor(int count, long seed, ConcurrentHashMap<Integer, float[]> projections) implements FeatureMap {
        Favor(int count, long seed) {
            this(count, seed, new ConcurrentHashMap<>());
        }

        @Override
        public int features(int headDim) {
            return count;
        }

        @Override
        public float logits(float[] x, int xOffset, int headDim, float scale, float[] phi) {
            float[] omega = projection(headDim);
            float root = (float) Math.sqrt(scale);
            float norm = 0;
            for (int d = 0; d < headDim; d++) {
                float v = root * x[xOffset + d];
                norm += v * v;
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < count; i++) {
                float dot = 0;
                for (int d = 0; d < headDim; d++) {
                    dot += omega[i * headDim + d] * x[xOffset + d];
                }
                phi[i] = root * dot - norm / 2;
                max = Math.max(max, phi[i]);
            }
            return max;
        }

        @Override
        public void exponentiate(float[] phi, float stabiliser) {
            for (int i = 0; i < count; i++) {
                phi[i] = (float) Math.exp(phi[i] - stabiliser);
            }
        }

        /**
         * The directions ω as {@code count} rows of {@code headDim} floats: blocks of
         * {@code headDim} Gram-Schmidt-orthonormalised Gaussian rows, each row rescaled to the norm
         * of an independent Gaussian vector (Performer's "regular" orthogonal features). Drawn once
         * per head size from the seed; callers must not modify the array.
         */
        public float[] projection(int headDim) {
            return projections.computeIfAbsent(headDim, this::draw);
        }

        private float[] draw(int d) {
            SplittableRandom random = new SplittableRandom(seed);
            float[] omega = new float[count * d];
            double[][] block = new double[d][d];
            for (int first = 0; first < count; first += d) {
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        block[i][j] = gaussian(random);
                    }
                    for (int prev = 0; prev < i; prev++) {
                        double dot = 0;
                        for (int j = 0; j < d; j++) {
                            dot += block[i][j] * block[prev][j];
                        }
                        for (int j = 0; j < d; j++) {
                            block[i][j] -= dot * block[prev][j];
                        }
                    }
                    double norm = Math.sqrt(dot(block[i], block[i]));
                    for (int j = 0; j < d; j++) {
                        block[i][j] /= norm;
                    }
                }
                for (int i = 0; i < d && first + i < count; i++) {
                    double length = 0;
                    for (int j = 0; j < d; j++) {
                        double g = gaussian(random);
                        length += g * g;
                    }
                    length = Math.sqrt(length);
                    for (int j = 0; j < d; j++) {
                        omega[(first + i) * d + j] = (float) (block[i][j] * length);
                    }
                }
            }
            return omega;
        }

        private static double dot(double[] a, double[] b) {
            double s = 0;
            for (int i = 0; i < a.length; i++) {
                s += a[i] * b[i];
            }
            return s;
        }

        /** Box-Muller, so the directions do not depend on the JDK's Random algorithms. */
        private static double gaussian(SplittableRandom random) {
            double u = 1.0 - random.nextDouble();
            return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Favor f && f.count == count && f.seed == seed;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(seed) * 31 + count;
        }

        @Override
        public String toString() {
            return "Favor[" + count + "]";
        }
    }
}
