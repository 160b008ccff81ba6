package org.mlm4j.models.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * GPT-2 byte-level BPE, as llama.cpp's {@code llm_tokenizer_bpe}: the pre-tokenizer cuts the text
 * into words (already in the byte-level alphabet); within each word, start from one symbol per
 * character and repeatedly apply the lowest-ranked merge among adjacent pairs (ties: leftmost),
 * then emit each symbol's token.
 */
final class BpeEncoder {
    private final Vocabulary vocab;
    private final PreTokenizer preTokenizer;
    private final boolean ignoreMerges;
    /** "left right" → rank (line number in tokenizer.ggml.merges). */
    private final Map<String, Integer> ranks;

    BpeEncoder(Vocabulary vocab, String[] merges, PreTokenizer preTokenizer, boolean ignoreMerges) {
        this.vocab = vocab;
        this.preTokenizer = preTokenizer;
        this.ignoreMerges = ignoreMerges;
        this.ranks = HashMap.newHashMap(merges.length);
        for (int i = 0; i < merges.length; i++) {
            int space = merges[i].indexOf(' ', 1);
            String key = space < 0 ? " " : merges[i].substring(0, space) + ' ' + merges[i].substring(space + 1);
            ranks.putIfAbsent(key, i);
        }
    }

    private record Bigram(int left, int right, String text, int rank) {
    }

    /** Appends the tokens of {@code text} to {@code out}. */
    void encode(String text, List<Integer> out) {
        for (String word : preTokenizer.split(text)) {
            if (ignoreMerges && vocab.id(word) >= 0) {
                out.add(vocab.id(word));
                continue;
            }
            encodeWord(word, out);
        }
    }

    private void encodeWord(String word, List<Integer> out) {
        int n = word.length(); // the byte-level alphabet is all in the BMP: one char per symbol
        int[] start = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            start[i] = i;
            len[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) ->
                a.rank != b.rank ? Integer.compare(a.rank, b.rank) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) {
            addBigram(word, start, len, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            if (len[b.left] == 0 || len[b.right] == 0
                    || len[b.left] + len[b.right] != b.text.length()
                    || !word.startsWith(b.text, start[b.left])) {
                continue; // outdated: one side was merged since this pair was queued
            }
            len[b.left] += len[b.right];
            len[b.right] = 0;
            next[b.left] = next[b.right];
            if (next[b.right] >= 0) {
                prev[next[b.right]] = b.left;
            }
            addBigram(word, start, len, prev[b.left], b.left, queue);
            addBigram(word, start, len, b.left, next[b.left], queue);
        }
        for (int i = n == 0 ? -1 : 0; i != -1; i = next[i]) {
            String symbol = word.substring(start[i], start[i] + len[i]);
            int id = vocab.id(symbol);
            if (id >= 0) {
                out.add(id);
                continue;
            }
            // llama.cpp looks up each UTF-8 byte of the symbol as a one-byte token and drops bytes that are not one
            for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
                int byteId = b >= 0 ? vocab.id(String.valueOf((char) b)) : -1;
                if (byteId >= 0) {
                    out.add(byteId);
                }
            }
        }
    }

    private void addBigram(String word, int[] start, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        if (left == -1 || right == -1) {
            return;
        }
        String l = word.substring(start[left], start[left] + len[left]);
        String r = word.substring(start[right], start[right] + len[right]);
        Integer rank = ranks.get(l + ' ' + r);
        if (rank != null) {
            queue.add(new Bigram(left, right, l + r, rank));
        }
    }
}
