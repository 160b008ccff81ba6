package org.mlm4j.cli;

import java.io.PrintStream;
import java.util.List;

/** One CLI command: {@code mlm4j NAME [options]}. */
public interface Command {
    String name();

    /** One line for the command list. */
    String summary();

    /** The full {@code --help} text, ending with a newline. */
    String help();

    /** The {@code --help} text for these arguments: a command with subcommands gives the named subcommand's. */
    default String help(List<String> args) {
        return help();
    }

    /** Runs the command; returns the exit code. Bad input is reported by throwing. */
    int run(Options options, PrintStream out, PrintStream err) throws Exception;
}
