package org.mlm4j.cli;

import java.io.PrintStream;

/** One CLI command: {@code mlm4j NAME [options]}. */
public interface Command {
    String name();

    /** One line for the command list. */
    String summary();

    /** The full {@code --help} text, ending with a newline. */
    String help();

    /** Runs the command; returns the exit code. Bad input is reported by throwing. */
    int run(Options options, PrintStream out, PrintStream err) throws Exception;
}
