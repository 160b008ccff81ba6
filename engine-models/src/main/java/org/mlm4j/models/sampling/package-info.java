/**
 * Choosing the next token from logits: {@link org.mlm4j.models.sampling.Sampler} with
 * {@link org.mlm4j.models.sampling.SamplingParams} (greedy, temperature, top-k, top-p, min-p,
 * repetition penalty, seed), in the order of llama.cpp's default sampler chain.
 *
 * <pre>{@code
 * Sampler sampler = new Sampler(SamplingParams.defaults(42).withTemperature(0.7f));
 * sampler.accept(promptIds);            // the repetition penalty sees the prompt
 * int next = sampler.sample(logits);    // records next as well
 * }</pre>
 */
package org.mlm4j.models.sampling;
