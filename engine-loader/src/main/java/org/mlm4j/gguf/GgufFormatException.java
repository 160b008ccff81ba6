package org.mlm4j.gguf;

/** A GGUF file is malformed: names the byte offset where reading failed and why. */
public final class GgufFormatException extends RuntimeException {
    private final long offset;

    public GgufFormatException(long offset, String reason) {
        super("invalid GGUF at byte " + offset + ": " + reason);
        this.offset = offset;
    }

    public long offset() {
        return offset;
    }
}
