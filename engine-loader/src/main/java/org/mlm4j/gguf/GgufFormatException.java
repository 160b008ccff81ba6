package org.mlm4j.gguf;

import java.nio.file.Path;

/** A GGUF file is malformed: names the byte offset where reading failed and why (and the file, when known). */
public final class GgufFormatException extends RuntimeException {
    private final long offset;
    private final String reason;

    public GgufFormatException(long offset, String reason) {
        super("invalid GGUF at byte " + offset + ": " + reason);
        this.offset = offset;
        this.reason = reason;
    }

    /** The same error, naming {@code file}. */
    GgufFormatException(Path file, GgufFormatException e) {
        super(file + ": " + e.getMessage(), e);
        this.offset = e.offset;
        this.reason = e.reason;
    }

    public long offset() {
        return offset;
    }

    public String reason() {
        return reason;
    }
}
