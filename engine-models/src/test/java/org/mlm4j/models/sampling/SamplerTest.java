package org.mlm4j.models.sampling;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SamplerTest {
    /** ln of probabilities 0.5, 0.3, 0.15, 0.05: softmax gives them back exactly. */
    static final float[] LOGITS = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};

    private static int[] histogram(SamplingParams p, float[] logits, int draws) {
        Sampler s = new Sampler(p);
        int[] counts = new int[logits.length];
        for (int i = 0; i < draws; i++) {
            counts[s.sample(logits)]++;
        }
        return counts;
    }

    private static SamplingParams plain(float temperature) {
        return new SamplingParams(temperature, 0, 1f, 0f, 1f, 64, 42);
    }

    @Test
    void greedyTakesTheHighestLogitAndTheLowestIdOnTies() {
        Sampler s = new Sampler(SamplingParams.greedy());
        assertThat(s.sample(new float[] {0.1f, 3f, -2f, 3f})).isEqualTo(1);
        assertThat(s.sample(new float[] {Float.NEGATIVE_INFINITY, -5f})).isEqualTo(1);
        assertThat(s.sample(new float[] {7f, 7f})).isZero();
    }

    @Test
    void temperatureOneSamplesTheSoftmax() {
        int[] counts = histogram(plain(1f), LOGITS, 40_000);
        double[] want = {0.5, 0.3, 0.15, 0.05};
        for (int i = 0; i < want.length; i++) {
            assertThat(counts[i] / 40_000.0).as("token %d", i).isCloseTo(want[i], within(0.01));
        }
    }

    @Test
    void temperatureSharpensOrFlattens() {
        int[] cold = histogram(plain(0.25f), LOGITS, 10_000);
        // T = 0.25 raises probabilities to the 4th power: 0.0625 : 0.0081 : ... → token 0 ≈ 88 %
        assertThat(cold[0] / 10_000.0).isCloseTo(0.0625 / (0.0625 + 0.0081 + 0.00050625 + 0.00000625), within(0.015));
        int[] hot = histogram(plain(100f), LOGITS, 10_000);
        for (int c : hot) {
            assertThat(c / 10_000.0).isCloseTo(0.25, within(0.02));
        }
    }

    @Test
    void topKKeepsOnlyTheKMostLikely() {
        int[] counts = histogram(plain(1f).withTopK(2), LOGITS, 10_000);
        assertThat(counts[2]).isZero();
        assertThat(counts[3]).isZero();
        assertThat(counts[0] / 10_000.0).isCloseTo(0.5 / 0.8, within(0.015));
        assertThat(histogram(plain(1f).withTopK(1), LOGITS, 1000)[0]).isEqualTo(1000);
    }

    @Test
    void topKSelectionMatchesAFullSortOnALargeVocabulary() {
        float[] logits = new float[32_000];
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) r.nextGaussian() * 3;
        }
        logits[123] = logits[456] = 20f; // a tie at the top: both stay, lower id first
        int[] viaTopK = histogram(new SamplingParams(1f, 2, 1f, 0f, 1f, 64, 1), logits, 2000);
        assertThat(viaTopK[123] + viaTopK[456]).isEqualTo(2000);
        assertThat(viaTopK[123]).isBetween(900, 1100);
    }

    /**
     * The chain written the obvious way over ids sorted most likely first: top-k, top-p over the softmax of the
     * top-k, min-p, temperature, then the same SplittableRandom draw over the survivors.
     */
    private static int naiveSample(SamplingParams p, float[] logits, Integer[] ids, java.util.SplittableRandom random) {
        int n = p.topK() > 0 ? Math.min(p.topK(), ids.length) : ids.length;
        double max = logits[ids[0]];
        if (p.topP() < 1f) {
            double z = 0;
            for (int i = 0; i < n; i++) {
                z += Math.exp(logits[ids[i]] - max);
            }
            double cumulative = 0;
            for (int i = 0; i < n; i++) {
                cumulative += Math.exp(logits[ids[i]] - max) / z;
                if (cumulative >= p.topP()) {
                    n = i + 1;
                    break;
                }
            }
        }
        if (p.minP() > 0f) {
            int keep = 1;
            while (keep < n && logits[ids[keep]] >= max + Math.log(p.minP())) {
                keep++;
            }
            n = keep;
        }
        double[] w = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            w[i] = Math.exp(logits[ids[i]] / p.temperature() - max / p.temperature());
            sum += w[i];
        }
        double u = random.nextDouble() * sum;
        for (int i = 0; i < n; i++) {
            u -= w[i];
            if (u < 0) {
                return ids[i];
            }
        }
        return ids[n - 1];
    }

    @Test
    void everyFilterCombinationMatchesTheObviousImplementation() {
        float[] logits = new float[32_000];
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) r.nextGaussian() * 2.5f;
        }
        Integer[] sorted = new Integer[logits.length];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = i;
        }
        java.util.Arrays.sort(sorted, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        for (int topK : new int[] {0, 1, 40}) {
            for (float topP : new float[] {1f, 0.9f, 0.5f}) {
                for (float minP : new float[] {0f, 0.05f, 0.3f}) {
                    SamplingParams p = new SamplingParams(0.8f, topK, topP, minP, 1f, 64, 5);
                    Sampler sampler = new Sampler(p);
                    java.util.SplittableRandom reference = new java.util.SplittableRandom(5);
                    for (int draw = 0; draw < 30; draw++) {
                        assertThat(sampler.sample(logits)).as("%s draw %d", p, draw).isEqualTo(naiveSample(p, logits, sorted, reference));
                    }
                }
            }
        }
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // cumulative 0.5, 0.8, 0.95, 1.0: p = 0.7 keeps two, p = 0.9 keeps three
        int[] two = histogram(plain(1f).withTopP(0.7f), LOGITS, 10_000);
        assertThat(two[2] + two[3]).isZero();
        assertThat(two[1] / 10_000.0).isCloseTo(0.3 / 0.8, within(0.015));
        int[] three = histogram(plain(1f).withTopP(0.9f), LOGITS, 10_000);
        assertThat(three[3]).isZero();
        assertThat(three[2]).isPositive();
        assertThat(histogram(plain(1f).withTopP(0.1f), LOGITS, 500)[0]).as("always at least one").isEqualTo(500);
    }

    @Test
    void minPKeepsTokensAtLeastPTimesTheMostLikely() {
        // p = 0.5: threshold 0.25 keeps 0.5 and 0.3; p = 0.2: threshold 0.1 keeps 0.15 too
        int[] half = histogram(plain(1f).withMinP(0.5f), LOGITS, 10_000);
        assertThat(half[2] + half[3]).isZero();
        assertThat(half[1]).isPositive();
        int[] fifth = histogram(plain(1f).withMinP(0.2f), LOGITS, 10_000);
        assertThat(fifth[3]).isZero();
        assertThat(fifth[2]).isPositive();
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        Sampler positive = new Sampler(SamplingParams.greedy().withRepeatPenalty(2f, 64));
        positive.accept(0);
        assertThat(positive.sample(new float[] {2f, 1.9f, -1f})).isEqualTo(1); // 2 / 2 = 1 < 1.9
        Sampler negative = new Sampler(SamplingParams.greedy().withRepeatPenalty(2f, 64));
        negative.accept(0);
        assertThat(negative.sample(new float[] {-1f, -1.5f})).isEqualTo(1); // -1 * 2 = -2 < -1.5
        Sampler counted = new Sampler(SamplingParams.greedy().withRepeatPenalty(2f, 64));
        counted.accept(0, 0, 0);
        assertThat(counted.sample(new float[] {4f, 1.9f})).as("penalized once however often seen").isZero();
    }

    @Test
    void repetitionPenaltyOnlyLooksAtTheLastNTokens() {
        Sampler s = new Sampler(SamplingParams.greedy().withRepeatPenalty(2f, 2));
        s.accept(0, 5, 6); // token 0 has left the window of 2
        assertThat(s.sample(new float[] {2f, 1.9f})).isZero();
        Sampler picked = new Sampler(SamplingParams.greedy().withRepeatPenalty(2f, 2));
        assertThat(picked.sample(new float[] {2f, 1.9f})).isZero();
        assertThat(picked.sample(new float[] {2f, 1.9f})).as("sample() records its pick").isEqualTo(1);
    }

    @Test
    void theSameSeedGivesTheSameTokens() {
        SamplingParams p = SamplingParams.defaults(1234).withTopK(0).withMinP(0f).withTopP(1f);
        float[] logits = new float[64];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.sin(i);
        }
        Set<String> runs = new HashSet<>();
        for (int run = 0; run < 3; run++) {
            Sampler s = new Sampler(p);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 50; i++) {
                sb.append(s.sample(logits)).append(',');
            }
            runs.add(sb.toString());
        }
        assertThat(runs).hasSize(1);
        Sampler other = new Sampler(p.withSeed(99));
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            sb.append(other.sample(logits)).append(',');
        }
        assertThat(runs).doesNotContain(sb.toString());
    }

    @Test
    void theLogitsPassedInAreNotModified() {
        float[] logits = {1f, 2f, 3f};
        float[] copy = logits.clone();
        Sampler s = new Sampler(SamplingParams.defaults(1).withRepeatPenalty(1.5f, 8));
        s.accept(2);
        s.sample(logits);
        assertThat(logits).containsExactly(copy);
    }

    @Test
    void invalidParametersAreRejected() {
        assertThatThrownBy(() -> SamplingParams.greedy().withRepeatPenalty(0f, 64)).hasMessageContaining("repeat penalty");
        assertThatThrownBy(() -> SamplingParams.greedy().withTemperature(Float.NaN)).hasMessageContaining("numbers");
    }
}
