package org.mlm4j.cli;

/** The command line itself is wrong: an unknown or malformed option, a missing value. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
