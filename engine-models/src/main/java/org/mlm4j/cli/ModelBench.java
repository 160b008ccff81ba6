package org.mlm4j.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.Parallel;
import org.mlm4j.models.llm.CausalLM;
import org.mlm4j.models.llm.Input;
import org.mlm4j.models.llm.Session;

/**
 * {@code bench model}: llama-bench's two tests on one model. pp N: a prompt of N random tokens
 * evaluated as one batch from an empty context; tg N: N tokens decoded one at a time from an
 * empty context. Each test runs once to warm up, then {@code -r} times; tokens/s is reported as
 * mean ± standard deviation.
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
                usage: mlm4j bench model --model M.gguf [-p 64] [-n 32] [-r 3] [--threads N] [--kv-type f16|f32]

                  -p N     prompt tokens evaluated as one batch (pp test; 0 skips it)
                  -n N     tokens decoded one by one (tg test; 0 skips it)
                  -r N     measured repetitions after one warm-up run

                """ + ModelOptions.HELP;
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        ModelOptions model = ModelOptions.read(options);
        int prompt = options.integer("p", 64);
        int decode = options.integer("n", 32);
        int reps = options.integer("r", 3);
        options.finish();
        if (prompt < 0 || decode < 0 || reps < 1) {
            throw new UsageException("-p and -n must be >= 0 and -r >= 1");
        }
        long t0 = System.nanoTime();
        try (CausalLM lm = model.open();
             Session session = lm.newSession(model.sessionOptions().withMaxBatch(Math.max(1, prompt)))) {
            if (prompt + decode > session.contextLength()) {
                throw new UsageException("-p + -n = " + (prompt + decode) + " exceeds the context of "
                        + session.contextLength());
            }
            err.printf("loaded %s (%s) in %.0f ms; kernels %s, %d threads%n", model.model().getFileName(),
                    lm.architecture(), (System.nanoTime() - t0) / 1e6, KernelProvider.get().name(), Parallel.threads());
            out.printf("| %-28s | %-8s | %7s | %18s |%n", "model", "kernels", "threads", "test   tokens/s");
            SplittableRandom random = new SplittableRandom(42);
            if (prompt > 0) {
                report(out, model, lm, "pp" + prompt, prompt, measure(reps, () -> {
                    session.reset();
                    session.forward(Input.tokens(randomTokens(random, prompt, lm.vocabSize())), Session.Logits.LAST);
                }));
            }
            if (decode > 0) {
                report(out, model, lm, "tg" + decode, decode, measure(reps, () -> {
                    session.reset();
                    for (int i = 0; i < decode; i++) {
                        session.forward(Input.tokens(random.nextInt(lm.vocabSize())), Session.Logits.LAST);
                    }
                }));
            }
        }
        return 0;
    }

    private static int[] randomTokens(SplittableRandom random, int n, int vocab) {
        int[] ids = new int[n];
        Arrays.setAll(ids, i -> random.nextInt(vocab));
        return ids;
    }

    /** Seconds of each of {@code reps} runs after one warm-up. */
    private static double[] measure(int reps, Runnable test) {
        test.run();
        double[] seconds = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t = System.nanoTime();
            test.run();
            seconds[r] = (System.nanoTime() - t) / 1e9;
        }
        return seconds;
    }

    private static void report(PrintStream out, ModelOptions model, CausalLM lm, String test, int tokens,
                               double[] seconds) {
        double[] rates = Arrays.stream(seconds).map(s -> tokens / s).toArray();
        double mean = Arrays.stream(rates).average().orElseThrow();
        double var = Arrays.stream(rates).map(r -> (r - mean) * (r - mean)).sum() / Math.max(1, rates.length - 1);
        out.printf("| %-28s | %-8s | %7d | %6s %7.2f ± %5.2f |%n", model.model().getFileName(),
                KernelProvider.get().name(), Parallel.threads(), test, mean, Math.sqrt(var));
    }
}
