package org.mlm4j.models.llm;

/**
 * A model file that parses as GGUF but cannot be run: a missing or invalid hyper-parameter, an
 * unsupported architecture, a tensor of the wrong shape. The message is one line for the user.
 */
public class InvalidModelException extends RuntimeException {
    public InvalidModelException(String message) {
        super(message);
    }
}
