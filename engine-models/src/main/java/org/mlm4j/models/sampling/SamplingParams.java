package org.mlm4j.models.sampling;

/**
 * How the next token is chosen, with llama.cpp's meanings and defaults (common/common.h).
 *
 * @param temperature   logits are divided by it; {@code <= 0} means greedy (argmax)
 * @param topK          keep the k most likely tokens; {@code <= 0} keeps all
 * @param topP          keep the most likely tokens whose probabilities sum to at least p; {@code >= 1} keeps all
 * @param minP          keep tokens at least p times as likely as the most likely one; {@code <= 0} keeps all
 * @param repeatPenalty divide positive / multiply negative logits of recently seen tokens; 1 = off
 * @param repeatLastN   how many recent tokens the penalty looks at; 0 = off
 * @param seed          the random seed: the same seed gives the same tokens for the same logits
 */
public record SamplingParams(float temperature, int topK, float topP, float minP, float repeatPenalty,
                             int repeatLastN, long seed) {
    public SamplingParams {
        if (Float.isNaN(temperature) || Float.isNaN(topP) || Float.isNaN(minP) || Float.isNaN(repeatPenalty)) {
            throw new IllegalArgumentException("sampling parameters must be numbers");
        }
        if (repeatPenalty <= 0) {
            throw new IllegalArgumentException("repeat penalty must be > 0, got " + repeatPenalty);
        }
        if (repeatLastN < 0) {
            throw new IllegalArgumentException("repeat-last-n must be >= 0, got " + repeatLastN);
        }
    }

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no repeat penalty (last 64), the given seed. */
    public static SamplingParams defaults(long seed) {
        return new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1.0f, 64, seed);
    }

    /** Always the most likely token. */
    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0, 1f, 0f, 1f, 64, 0);
    }

    public SamplingParams withTemperature(float t) {
        return new SamplingParams(t, topK, topP, minP, repeatPenalty, repeatLastN, seed);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(temperature, k, topP, minP, repeatPenalty, repeatLastN, seed);
    }

    public SamplingParams withTopP(float p) {
        return new SamplingParams(temperature, topK, p, minP, repeatPenalty, repeatLastN, seed);
    }

    public SamplingParams withMinP(float p) {
        return new SamplingParams(temperature, topK, topP, p, repeatPenalty, repeatLastN, seed);
    }

    public SamplingParams withRepeatPenalty(float penalty, int lastN) {
        return new SamplingParams(temperature, topK, topP, minP, penalty, lastN, seed);
    }

    public SamplingParams withSeed(long s) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, s);
    }

    public boolean isGreedy() {
        return temperature <= 0;
    }
}
