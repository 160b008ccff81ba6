package org.mlm4j.cli;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.Parallel;
import org.mlm4j.models.llm.CausalLM;
import org.mlm4j.models.llm.Input;
import org.mlm4j.models.llm.Session;

/**
 * {@code bench model}: llama-bench's two tests on one model. pp N: a prompt of N random tokens
 * evaluated as one batch from an empty context; tg N: N tokens decoded one at a time after
 * {@code -d} tokens already in the context (0 by default). Each test runs once to warm up, then
 * {@code -r} times; tokens/s is reported as mean ± standard deviation. The cpu column is the share
 * of threads × wall time the process spent on the CPU: below 100 % the machine was busy and the
 * speed understates what the kernels do.
 */
final class ModelBench implements Command {

    @Override
    public String name() {
        return "model";
    }

    @Override
    public String summary() {
        return "prefill and decode tokens/s of a model (like llama-bench)";
    }

    @Override
    public String help() {
        return """
                usage: mlm4j bench model --model M.gguf [-p 64] [-n 32] [-r 3] [-d 0,1024,8192] [--threads N] [--kv-type f16|f32]

                  -p N     prompt tokens evaluated as one batch (pp test, from an empty context; 0 skips it)
                  -n N     tokens decoded one by one (tg test; 0 skips it)
                  -r N     measured repetitions after one warm-up run
                  -d LIST  context depths: the tg test runs after this many tokens (as llama-bench -d);
                           the session is sized for the depth, and "state MB" is its KV cache
                           (transformers) or recurrent state (Mamba)

                """ + ModelOptions.HELP;
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        ModelOptions model = ModelOptions.read(options);
        int prompt = options.integer("p", 64);
        int decode = options.integer("n", 32);
        int reps = options.integer("r", 3);
        int[] depths = depths(options.string("d", "0"));
        options.finish();
        if (prompt < 0 || decode < 0 || reps < 1) {
            throw new UsageException("-p and -n must be >= 0 and -r >= 1");
        }
        long t0 = System.nanoTime();
        try (CausalLM lm = model.open()) {
            err.printf("loaded %s (%s) in %.0f ms; kernels %s, %d threads%n", model.model().getFileName(),
                    lm.architecture(), (System.nanoTime() - t0) / 1e6, KernelProvider.get().name(), Parallel.threads());
            out.printf("| %-28s | %-10s | %7s | %22s | %6s | %9s |%n", "model", "kernels", "threads", "test   tokens/s",
                    "cpu", "state MB");
            SplittableRandom random = new SplittableRandom(42);
            for (int depth : depths) {
                // the context holds the depth, then every decode run (warm-up included) after it
                int context = depth + Math.max(prompt, (reps + 1) * decode);
                if (context > lm.contextLength()) {
                    throw new UsageException("depth " + depth + " plus the tests needs a context of " + context
                            + ", the model has " + lm.contextLength());
                }
                try (Session session = lm.newSession(model.sessionOptions().withContextLength(context)
                        .withMaxBatch(Math.max(1, Math.min(512, Math.max(prompt, depth)))))) {
                    if (prompt > 0 && depth == 0) {
                        report(out, model, "pp" + prompt, prompt, session, measure(reps, () -> {
                            session.reset();
                            session.forward(Input.tokens(randomTokens(random, prompt, lm.vocabSize())), Session.Logits.LAST);
                        }));
                    }
                    if (decode > 0) {
                        session.reset();
                        if (depth > 0) {
                            session.forward(Input.tokens(randomTokens(random, depth, lm.vocabSize())), Session.Logits.NONE);
                        }
                        // decode runs follow each other: run r starts at depth + r·n, close enough to depth
                        report(out, model, "tg" + decode + (depth > 0 ? " @ d" + depth : ""), decode, session,
                                measure(reps, () -> {
                                    for (int i = 0; i < decode; i++) {
                                        session.forward(Input.tokens(random.nextInt(lm.vocabSize())), Session.Logits.LAST);
                                    }
                                }));
                    }
                }
            }
        }
        return 0;
    }

    private static int[] depths(String list) {
        try {
            int[] d = Arrays.stream(list.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
            if (Arrays.stream(d).anyMatch(v -> v < 0)) {
                throw new UsageException("-d takes depths >= 0, got '" + list + "'");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("-d takes comma-separated token counts, got '" + list + "'");
        }
    }

    private static int[] randomTokens(SplittableRandom random, int n, int vocab) {
        int[] ids = new int[n];
        Arrays.setAll(ids, i -> random.nextInt(vocab));
        return ids;
    }

    /**
     * Wall seconds of each of {@code reps} runs after one warm-up, and the share of the threads'
     * time the process got on the CPU over all of them (below 1 on a busy machine).
     */
    private record Timing(double[] seconds, double cpuShare) {
    }

    private static Timing measure(int reps, Runnable test) {
        test.run();
        double[] seconds = new double[reps];
        long cpu0 = processCpuNanos();
        long wall0 = System.nanoTime();
        for (int r = 0; r < reps; r++) {
            long t = System.nanoTime();
            test.run();
            seconds[r] = (System.nanoTime() - t) / 1e9;
        }
        double wall = (System.nanoTime() - wall0) * (double) Parallel.threads();
        return new Timing(seconds, cpu0 < 0 ? Double.NaN : (processCpuNanos() - cpu0) / wall);
    }

    /** CPU time of the whole process (every thread), or -1 where the JVM does not tell. */
    static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    private static void report(PrintStream out, ModelOptions model, String test, int tokens, Session session,
                               Timing timing) {
        double[] rates = Arrays.stream(timing.seconds()).map(s -> tokens / s).toArray();
        double mean = Arrays.stream(rates).average().orElseThrow();
        double var = Arrays.stream(rates).map(r -> (r - mean) * (r - mean)).sum() / Math.max(1, rates.length - 1);
        out.printf("| %-28s | %-10s | %7d | %-11s %7.2f ± %5.2f | %5.0f%% | %9.3f |%n", model.model().getFileName(),
                KernelProvider.get().name(), Parallel.threads(), test, mean, Math.sqrt(var), 100 * timing.cpuShare(),
                session.stateBytes() / 1e6);
    }
}
