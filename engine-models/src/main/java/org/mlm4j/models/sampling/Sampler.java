package org.mlm4j.models.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks tokens from logits the way llama.cpp's default sampler chain does (src/llama-sampling.cpp,
 * common/sampling.cpp): repetition penalty, then top-k, top-p, min-p, temperature, and a draw
 * from the softmax of what is left. Temperature {@code <= 0} is greedy: the highest logit, the
 * lowest id among equals (what llama.cpp's argmax returns). Draws use {@link SplittableRandom},
 * whose algorithm is specified, so a seed gives the same tokens on every JDK (not the same tokens
 * as llama.cpp, whose mt19937 stream this does not reproduce).
 *
 * <p>{@link #sample} records the token it returns for the repetition penalty; record the prompt
 * with {@link #accept(int[])} first, as llama.cpp does. One sampler per generation; not thread-safe.
 */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom random;
    /** The last {@code repeatLastN} accepted tokens, a ring. */
    private final int[] recent;
    private int recentCount;
    private int recentNext;
    private float[] work = new float[0];
    private long[] order = new long[0];
    private boolean[] seen = new boolean[0];

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
        this.recent = new int[params.repeatLastN()];
    }

    public SamplingParams params() {
        return params;
    }

    /** Records tokens (such as the prompt) for the repetition penalty. */
    public void accept(int... tokens) {
        for (int t : tokens) {
            if (recent.length == 0) {
                return;
            }
            recent[recentNext] = t;
            recentNext = (recentNext + 1) % recent.length;
            recentCount = Math.min(recentCount + 1, recent.length);
        }
    }

    /** Picks the next token from a row of logits (which is not modified) and records it. */
    public int sample(float[] logits) {
        float[] l = penalized(logits);
        int token = params.isGreedy() ? argmax(l) : draw(l);
        accept(token);
        return token;
    }

    /** The logits with the repetition penalty applied: once per distinct recent token, as llama.cpp counts them. */
    private float[] penalized(float[] logits) {
        if (recentCount == 0 || params.repeatPenalty() == 1f) {
            return logits;
        }
        if (work.length != logits.length) {
            work = new float[logits.length];
        }
        System.arraycopy(logits, 0, work, 0, logits.length);
        if (seen.length != logits.length) {
            seen = new boolean[logits.length];
        }
        Arrays.fill(seen, false);
        for (int i = 0; i < recentCount; i++) {
            int t = recent[i];
            if (t < 0 || t >= logits.length || seen[t]) {
                continue;
            }
            seen[t] = true;
            work[t] = work[t] <= 0 ? work[t] * params.repeatPenalty() : work[t] / params.repeatPenalty();
        }
        return work;
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private int draw(float[] logits) {
        int k = params.topK() > 0 ? Math.min(params.topK(), logits.length) : logits.length;
        int n;
        double mass; // softmax mass of the k candidates, relative to the largest logit: top-p's normalizer
        if (k == logits.length && params.minP() > 0f) {
            // without top-k, min-p bounds the survivors in advance, so only those need sorting
            float max = max(logits);
            n = mostLikelyAbove(logits, max + Math.log(params.minP()));
            mass = params.topP() < 1f ? massOfAll(logits, max) : 1;
        } else {
            n = mostLikelyFirst(logits, k);
            mass = params.topP() < 1f ? massOfFirst(logits, n) : 1;
        }
        n = topP(logits, n, mass);
        n = minP(logits, n);
        // temperature, then softmax over the survivors (order[0] holds the largest logit)
        double maxScaled = logits[id(0)] / params.temperature();
        double[] weights = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = Math.exp(logits[id(i)] / params.temperature() - maxScaled);
            sum += weights[i];
        }
        double u = random.nextDouble() * sum;
        for (int i = 0; i < n; i++) {
            u -= weights[i];
            if (u < 0) {
                return id(i);
            }
        }
        return id(n - 1);
    }

    private static float max(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            if (l > max) {
                max = l;
            }
        }
        return max;
    }

    /** Puts the ids with logit >= threshold into {@link #order}, most likely first; returns how many. */
    private int mostLikelyAbove(float[] logits, double threshold) {
        ensureOrderCapacity(logits.length);
        int m = 0;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] >= threshold) {
                order[m++] = key(logits[i], i);
            }
        }
        if (m == 0) { // no finite logit: fall back to the plain order
            return mostLikelyFirst(logits, logits.length);
        }
        Arrays.sort(order, 0, m);
        return m;
    }

    private static double massOfAll(float[] logits, float max) {
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return sum;
    }

    private double massOfFirst(float[] logits, int n) {
        double max = logits[id(0)];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(logits[id(i)] - max);
        }
        return sum;
    }

    /**
     * Puts the {@code k} ids with the highest logits into {@link #order}, highest first and lowest
     * id first among equals, as (descending-logit key, id) pairs packed in longs; returns k. With
     * k below the vocabulary size (top-k) a bounded heap selects them without sorting everything.
     */
    private int mostLikelyFirst(float[] logits, int k) {
        int n = logits.length;
        ensureOrderCapacity(n);
        if (k == n) {
            for (int i = 0; i < n; i++) {
                order[i] = key(logits[i], i);
            }
            Arrays.sort(order);
            return n;
        }
        // order[0..k) is a max-heap of the k smallest keys seen so far
        for (int i = 0; i < n; i++) {
            long key = key(logits[i], i);
            if (i < k) {
                order[i] = key;
                siftUp(i);
            } else if (key < order[0]) {
                order[0] = key;
                siftDown(k);
            }
        }
        Arrays.sort(order, 0, k);
        return k;
    }

    private void ensureOrderCapacity(int n) {
        if (order.length != n) {
            order = new long[n];
        }
    }

    private void siftUp(int i) {
        while (i > 0 && order[(i - 1) / 2] < order[i]) {
            swap(i, (i - 1) / 2);
            i = (i - 1) / 2;
        }
    }

    private void siftDown(int size) {
        int i = 0;
        while (true) {
            int largest = i;
            for (int c = 2 * i + 1; c <= 2 * i + 2 && c < size; c++) {
                if (order[c] > order[largest]) {
                    largest = c;
                }
            }
            if (largest == i) {
                return;
            }
            swap(i, largest);
            i = largest;
        }
    }

    private void swap(int a, int b) {
        long t = order[a];
        order[a] = order[b];
        order[b] = t;
    }

    /** Orders by logit descending (NaN as -infinity), then id ascending. */
    private static long key(float logit, int id) {
        float f = Float.isNaN(logit) ? Float.NEGATIVE_INFINITY : logit;
        int bits = Float.floatToIntBits(f);
        int ascending = bits >= 0 ? bits : bits ^ 0x7FFFFFFF;
        return ((long) ~ascending << 32) | id;
    }

    private int id(int rank) {
        return (int) order[rank];
    }

    /**
     * The fewest most likely tokens whose probabilities sum to at least topP (at least one), the
     * probabilities being softmax over the top-k candidates: exp(logit - max) / mass.
     */
    private int topP(float[] logits, int n, double mass) {
        if (params.topP() >= 1f) {
            return n;
        }
        double max = logits[id(0)];
        double cumulative = 0;
        for (int i = 0; i < n; i++) {
            cumulative += Math.exp(logits[id(i)] - max) / mass;
            if (cumulative >= params.topP()) {
                return i + 1;
            }
        }
        return n;
    }

    /** The tokens with logit >= max + ln(minP), i.e. probability >= minP times the largest (at least one). */
    private int minP(float[] logits, int n) {
        if (params.minP() <= 0f) {
            return n;
        }
        double threshold = logits[id(0)] + Math.log(params.minP());
        int keep = 1;
        while (keep < n && logits[id(keep)] >= threshold) {
            keep++;
        }
        return keep;
    }
}
