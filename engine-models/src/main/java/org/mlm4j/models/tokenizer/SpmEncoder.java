package org.mlm4j.models.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece-style BPE over scores, as llama.cpp's {@code llm_tokenizer_spm}: start from one
 * symbol per code point, repeatedly merge the adjacent pair whose concatenation is the
 * highest-scoring token (ties: the leftmost pair), then emit each symbol's token. A symbol that is
 * not a token is split back along the merges that built it, down to pieces that are tokens or to
 * single code points, which fall back to their UTF-8 bytes as {@code <0xXX>} tokens.
 */
final class SpmEncoder {
    private final Vocabulary vocab;

    SpmEncoder(Vocabulary vocab) {
        this.vocab = vocab;
    }

    /** A candidate merge of symbols left and right; size is the merged length in chars, to spot stale entries. */
    private record Bigram(int left, int right, float score, int size) {
    }

    /** Appends the tokens of {@code text} (spaces already escaped as U+2581) to {@code out}. */
    void encode(String text, List<Integer> out) {
        int n = text.codePointCount(0, text.length());
        int[] start = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, pos = 0; i < n; i++) {
            start[i] = pos;
            len[i] = Character.charCount(text.codePointAt(pos));
            pos += len[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        var session = new Session(text, start, len, prev, next);
        for (int i = 1; i < n; i++) {
            session.tryAddBigram(i - 1, i);
        }
        while (!session.queue.isEmpty()) {
            Bigram b = session.queue.poll();
            if (len[b.left] == 0 || len[b.right] == 0 || len[b.left] + len[b.right] != b.size) {
                continue;
            }
            len[b.left] += len[b.right];
            len[b.right] = 0;
            next[b.left] = next[b.right];
            if (next[b.right] >= 0) {
                prev[next[b.right]] = b.left;
            }
            session.tryAddBigram(prev[b.left], b.left);
            session.tryAddBigram(b.left, next[b.left]);
        }
        for (int i = n == 0 ? -1 : 0; i != -1; i = next[i]) {
            session.resegment(i, out);
        }
    }

    /** The state of one {@link #encode} call. */
    private final class Session {
        final String text;
        final int[] start;
        final int[] len;
        final int[] prev;
        final int[] next;
        /** Highest score first; equal scores: leftmost first (llama.cpp's llm_bigram_spm comparator). */
        final PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) ->
                a.score != b.score ? (a.score > b.score ? -1 : 1) : Integer.compare(a.left, b.left));
        /** The last pair of symbols whose merge produced each text. */
        final Map<String, int[]> revMerge = new HashMap<>();

        Session(String text, int[] start, int[] len, int[] prev, int[] next) {
            this.text = text;
            this.start = start;
            this.len = len;
            this.prev = prev;
            this.next = next;
        }

        void tryAddBigram(int left, int right) {
            if (left == -1 || right == -1) {
                return;
            }
            String merged = text.substring(start[left], start[left] + len[left] + len[right]);
            int id = vocab.id(merged);
            if (id < 0) {
                return;
            }
            queue.add(new Bigram(left, right, vocab.scores[id], merged.length()));
            revMerge.put(merged, new int[] {left, right});
        }

        void resegment(int symbol, List<Integer> out) {
            String piece = text.substring(start[symbol], start[symbol] + len[symbol]);
            int id = vocab.id(piece);
            if (id >= 0) {
                out.add(id);
                return;
            }
            int[] parts = revMerge.get(piece);
            if (parts == null) {
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    int byteId = vocab.byteToken(b & 0xFF);
                    if (byteId < 0) {
                        throw new IllegalStateException(String.format("vocabulary has no byte token <0x%02X>", b & 0xFF));
                    }
                    out.add(byteId);
                }
                return;
            }
            resegment(parts[0], out);
            resegment(parts[1], out);
        }
    }
}
