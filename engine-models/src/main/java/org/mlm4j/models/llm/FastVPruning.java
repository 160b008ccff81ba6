package org.mlm4j.models.llm;

import java.util.Arrays;
import java.util.List;
import org.mlm4j.kernels.KvBuffer;

/**
 * A multimodal prompt's prefill with FastV pruning (Chen et al. 2024, "An Image is Worth 1/2
 * Tokens After Layer 2"): image tokens get little attention after the first layers, so after block
 * K the ones the last prompt token attends to least are dropped and blocks K+1 .. compute only the
 * kept rows.
 * <ol>
 * <li>Embed the whole prompt (text runs and image rows) and run blocks 1..K over it, in batches.</li>
 * <li>Block K's attention of the last prompt row, softmax per head over every cached row (earlier
 *     turns included), averaged over heads, ranks the image rows; the lowest {@code round(R·n)} are
 *     dropped. The last prompt row is never dropped.</li>
 * <li>The kept rows go through blocks K+1 .. at their original positions (RoPE), and their K/V
 *     are stored compactly: in those layers' caches slot ≠ position, but the slots keep position
 *     order, so the causal mask over slots is the causal mask over positions without the dropped
 *     rows. Later text and decode steps therefore attend only to the kept image tokens there, and
 *     keep their positions: the session's position advances by the whole prompt.</li>
 * </ol>
 * With R = 0 nothing is dropped and the logits equal an unpruned evaluation of the same rows in
 * one input: the same batches meet every block, in the same order. A sliding window (phi-3, or the
 * {@code window:} attention) would count kept rows rather than positions, so FastV refuses a
 * streaming session.
 */
final class FastVPruning {

    /** The last prompt row's logits, and the prompt rows (0-based, ascending) that were dropped. */
    record Result(float[] logits, int[] droppedRows) {
    }

    private FastVPruning() {
    }

    static Result prefill(DecoderSession s, Decoder model, List<Input> prompt, FastV fastV) {
        int k = fastV.layer();
        if (k >= model.blockCount()) {
            throw new IllegalArgumentException("fastv: K = " + k + " leaves no layer to prune: the model has "
                    + model.blockCount() + " layers");
        }
        int e = model.embeddingLength();
        int n = prompt.stream().mapToInt(Input::count).sum();
        s.checkFits(n);
        prompt.forEach(s::checkInput);
        float[] hidden = new float[n * e];
        boolean[] image = new boolean[n];
        int row = 0;
        for (Input input : prompt) {
            for (int i = 0; i < input.count(); i++, row++) {
                switch (input) {
                    case Input.Tokens tokens -> model.embed(tokens.id(i), hidden, row * e);
                    case Input.Embeddings rows -> {
                        System.arraycopy(rows.rows(), i * e, hidden, row * e, e);
                        image[row] = true;
                    }
                }
            }
        }
        int first = s.position();
        int[] positions = new int[n];
        Arrays.setAll(positions, r -> first + r);

        float[] lastQuery = runBlocks(s, model, 0, k, hidden, positions, n);
        float[] attention = lastRowAttention(s.kvCache(k - 1), lastQuery, s.activations.queryScale, model.config());
        int firstSlot = s.kvCache(k - 1).length() - n;
        int[] dropped = leastAttended(image, attention, firstSlot, fastV);

        int kept = 0;
        for (int r = 0, d = 0; r < n; r++) {
            if (d < dropped.length && dropped[d] == r) {
                d++;
                continue;
            }
            System.arraycopy(hidden, r * e, hidden, kept * e, e);
            positions[kept++] = positions[r];
        }
        runBlocks(s, model, k, model.blockCount(), hidden, positions, kept);
        float[] logits = new float[model.vocabSize()];
        model.outputLogits(s.activations, lastBatchRows(kept, s.activations.maxBatch) - 1,
                lastBatchRows(kept, s.activations.maxBatch), logits, 0);
        s.advance(n);
        return new Result(logits, dropped);
    }

    /**
     * Runs blocks {@code from .. to-1} over {@code n} rows of {@code hidden} (updated in place) in
     * batches. Returns the last row's queries as the last block saw them, and leaves the last
     * batch's residual stream in the activations (for the LM head).
     */
    private static float[] runBlocks(DecoderSession s, Decoder model, int from, int to, float[] hidden,
                                     int[] positions, int n) {
        Activations a = s.activations;
        int e = model.embeddingLength();
        int qd = model.config().queryDim();
        float[] lastQuery = new float[qd];
        for (int start = 0; start < n; start += a.maxBatch) {
            int m = Math.min(a.maxBatch, n - start);
            System.arraycopy(hidden, start * e, a.x, 0, m * e);
            System.arraycopy(positions, start, a.positions, 0, m);
            model.runBlocks(s, from, to, m);
            System.arraycopy(a.x, 0, hidden, start * e, m * e);
            System.arraycopy(a.q, (m - 1) * qd, lastQuery, 0, qd);
        }
        return lastQuery;
    }

    private static int lastBatchRows(int n, int maxBatch) {
        return n - (n - 1) / maxBatch * maxBatch;
    }

    /**
     * softmax(scale · q_h · k_j) over every slot j of the cache, per query head h (its KV head for
     * GQA), averaged over the heads: the attention the query paid to each cached row.
     */
    static float[] lastRowAttention(KvBuffer kv, float[] query, float scale, ModelConfig c) {
        int slots = kv.length();
        int d = c.headDim();
        int group = c.headCount() / c.headCountKv();
        float[] key = new float[d];
        double[] scores = new double[slots];
        float[] mean = new float[slots];
        for (int h = 0; h < c.headCount(); h++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < slots; j++) {
                kv.readKey(j, h / group, key, 0);
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += query[h * d + i] * key[i];
                }
                scores[j] = scale * dot;
                max = Math.max(max, scores[j]);
            }
            double sum = 0;
            for (int j = 0; j < slots; j++) {
                scores[j] = Math.exp(scores[j] - max);
                sum += scores[j];
            }
            for (int j = 0; j < slots; j++) {
                mean[j] += (float) (scores[j] / sum / c.headCount());
            }
        }
        return mean;
    }

    /**
     * The image rows to drop, ascending: the {@code round(R·n)} of the n image rows (the last
     * prompt row excepted) with the least attention, ties broken towards dropping later rows.
     */
    static int[] leastAttended(boolean[] image, float[] attention, int firstSlot, FastV fastV) {
        int n = image.length;
        Integer[] candidates = java.util.stream.IntStream.range(0, n - 1).filter(r -> image[r]).boxed()
                .toArray(Integer[]::new);
        Arrays.sort(candidates, (x, y) -> {
            int byScore = Float.compare(attention[firstSlot + x], attention[firstSlot + y]);
            return byScore != 0 ? byScore : Integer.compare(y, x);
        });
        int[] dropped = new int[fastV.dropped(candidates.length)];
        for (int i = 0; i < dropped.length; i++) {
            dropped[i] = candidates[i];
        }
        Arrays.sort(dropped);
        return dropped;
    }
}
