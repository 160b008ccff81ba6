package org.mlm4j.models.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns generated ids into text as they arrive. A character may span several tokens (byte
 * tokens such as {@code <0xE4>}, or byte-level BPE pieces that split a multi-byte character), so
 * the bytes of an incomplete UTF-8 sequence at the end are held back until the token that
 * completes them arrives. Each piece is {@link Tokenizer#tokenToPiece}, as llama.cpp's examples
 * print generated tokens. Not thread-safe: one per generation.
 */
public final class TokenDecoder {
    private final Tokenizer tokenizer;
    private final boolean renderSpecial;
    private boolean stripSpace;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    /** Control tokens render as nothing; the text is kept as is. */
    public TokenDecoder(Tokenizer tokenizer) {
        this(tokenizer, false, false);
    }

    /**
     * @param renderSpecial     write the text of control tokens such as {@code <|end|>}
     * @param stripLeadingSpace drop one leading space of the first non-empty piece (the space a
     *                          SentencePiece model puts before the first word, as llama2.c prints)
     */
    public TokenDecoder(Tokenizer tokenizer, boolean renderSpecial, boolean stripLeadingSpace) {
        this.tokenizer = tokenizer;
        this.renderSpecial = renderSpecial;
        this.stripSpace = stripLeadingSpace;
    }

    /** Adds one token; returns the text it completes (possibly empty). */
    public String accept(int id) {
        byte[] piece = tokenizer.tokenToPiece(id, renderSpecial);
        int skip = 0;
        if (stripSpace && piece.length > 0) {
            skip = piece[0] == ' ' ? 1 : 0;
            stripSpace = false;
        }
        pending.write(piece, skip, piece.length - skip);
        byte[] bytes = pending.toByteArray();
        int complete = completePrefix(bytes);
        pending.reset();
        pending.write(bytes, complete, bytes.length - complete);
        return new String(bytes, 0, complete, StandardCharsets.UTF_8);
    }

    /** The held-back bytes of an unfinished character, as U+FFFD; the decoder is then empty. */
    public String flush() {
        String rest = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        return rest;
    }

    /** Length of the prefix that does not end inside a UTF-8 sequence that later bytes could still complete. */
    static int completePrefix(byte[] b) {
        for (int back = 1; back <= Math.min(3, b.length); back++) {
            int lead = b[b.length - back] & 0xFF;
            if ((lead & 0xC0) == 0x80) {
                continue; // continuation byte: look further back for its lead byte
            }
            int need = Unicode.sequenceLength(lead);
            return need > back ? b.length - back : b.length;
        }
        return b.length;
    }
}
