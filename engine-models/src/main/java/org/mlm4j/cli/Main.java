package org.mlm4j.cli;

import org.mlm4j.kernels.KernelProvider;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code java -jar mlm4j.jar COMMAND [options]}. When the Vector API module is missing from the
 * boot layer (a plain {@code java -jar}), the same java is re-executed once with
 * {@code --add-modules jdk.incubator.vector} so the SIMD kernels are used; stdin, stdout, stderr
 * and the exit code pass through. {@code MLM4J_NO_RELAUNCH=1} turns this off.
 */
public final class Main {
    /** Exit code for bad input: missing files, corrupt models, invalid options. */
    public static final int EXIT_BAD_INPUT = 2;

    private static final List<Command> COMMANDS = List.of(
            new EmbedImageCommand(),
            new InspectCommand(),
            new TokenizeCommand(),
            new GenerateCommand(),
            new ChatCommand(),
            new LogitsCommand(),
            new BenchCommand(),
            new MakeModelCommand(),
            new QuantizeCommand()
    );

    private Main() {
    }

    public static void main(String[] args) {
        if (Relauncher.shouldRelaunch()) {
            System.exit(Relauncher.relaunch(args));
        }
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line; returns the process exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, Command> byName = new TreeMap<>();
        for (Command c : COMMANDS) {
            byName.put(c.name(), c);
        }
        if (args.length == 0) {
            printUsage(err, byName);
            return EXIT_BAD_INPUT;
        }
        if (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            printUsage(out, byName);
            return 0;
        }
        if (args[0].equals("--version")) {
            out.println(version());
            return 0;
        }
        Command command = byName.get(args[0]);
        if (command == null) {
            err.println("mlm4j: unknown command '" + args[0] + "' (mlm4j --help lists the commands)");
            return EXIT_BAD_INPUT;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        boolean verbose = rest.contains("--verbose");
        if (rest.contains("--help") || rest.contains("-h")) {
            out.print(command.help(rest));
            return 0;
        }
        try {
            return command.run(new Options(command.name(), rest), out, err);
        } catch (UsageException e) {
            err.println("mlm4j " + command.name() + ": " + e.getMessage() + " (see mlm4j " + command.name() + " --help)");
            return EXIT_BAD_INPUT;
        } catch (Exception | OutOfMemoryError | StackOverflowError e) {
            err.println("mlm4j " + command.name() + ": " + oneLine(e));
            if (verbose) {
                e.printStackTrace(err);
            }
            return EXIT_BAD_INPUT;
        }
    }

    /** The version from the jar's manifest, the Java runtime and the kernels this JVM uses. */
    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return "mlm4j " + (v == null ? "(development build)" : v) + ", Java " + Runtime.version()
                + ", kernels: " + KernelProvider.get().name()
                + (KernelProvider.vectorModulePresent() ? "" : " (" + Relauncher.MODULE + " not loaded)");
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (e instanceof OutOfMemoryError) {
            return "out of memory (" + m + "); give Java more with java -Xmx<size> -jar mlm4j.jar ...";
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file: " + m;
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied: " + m;
        }
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        }
        return m.replace('\n', ' ');
    }

    private static void printUsage(PrintStream out, Map<String, Command> byName) {
        out.println("mlm4j - run small multimodal language models (GGUF) on the CPU, in pure Java");
        out.println();
        out.println("usage: java -jar mlm4j.jar COMMAND [options]   (mlm4j COMMAND --help for a command's options)");
        out.println();
        out.println("commands:");
        for (Command c : byName.values()) {
            out.printf("  %-12s %s%n", c.name(), c.summary());
        }
        out.println();
        out.println("common options: --threads N (default: all cores), --verbose (stack traces on errors)");
        out.println("mlm4j --version prints the version, the Java runtime and the kernels in use");
        out.println("environment: MLM4J_NO_RELAUNCH=1 keeps the JVM as started (no --add-modules relaunch)");
    }
}
