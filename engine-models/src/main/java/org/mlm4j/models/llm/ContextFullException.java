package org.mlm4j.models.llm;

/** An input does not fit in what is left of a session's context. */
public class ContextFullException extends RuntimeException {
    public ContextFullException(String message) {
        super(message);
    }
}
