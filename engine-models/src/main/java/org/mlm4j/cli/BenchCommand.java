package org.mlm4j.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/**
 * {@code bench SUBCOMMAND}: speed measurements, one subcommand per subject ({@code model}: a whole
 * model's prefill and decode, like llama-bench; {@code kernels}: the matmul kernels; {@code vision}:
 * an image encoder; {@code image-tokens}: visual-token reduction). Subcommands register in
 * {@link #SUBCOMMANDS}.
 */
final class BenchCommand implements Command {
    private static final List<Command> SUBCOMMANDS = List.of(
            new ModelBench(),
            new KernelsBench(),
            new ImageTokensBench(),
            new VisionBench());

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "speed benchmarks: " + String.join(", ", SUBCOMMANDS.stream().map(Command::name).toList());
    }

    @Override
    public String help() {
        StringBuilder sb = new StringBuilder("usage: mlm4j bench SUBCOMMAND [options]   (mlm4j bench SUBCOMMAND --help)\n\n");
        for (Command c : SUBCOMMANDS) {
            sb.append(String.format("  %-10s %s%n", c.name(), c.summary()));
        }
        return sb.toString();
    }

    @Override
    public String help(List<String> args) {
        return args.isEmpty() ? help() : subcommand(args.getFirst()).map(Command::help).orElseGet(this::help);
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        if (options.positional().isEmpty()) {
            throw new UsageException("missing subcommand");
        }
        String name = options.positional().getFirst();
        Command c = subcommand(name).orElseThrow(() -> new UsageException("unknown bench subcommand '" + name + "'"));
        return c.run(options, out, err);
    }

    private static Optional<Command> subcommand(String name) {
        return SUBCOMMANDS.stream().filter(c -> c.name().equals(name)).findFirst();
    }
}
