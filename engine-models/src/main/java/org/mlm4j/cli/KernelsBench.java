package org.mlm4j.cli;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.mlm4j.kernels.KernelProvider;
import org.mlm4j.kernels.MatmulKernels;
import org.mlm4j.kernels.Parallel;
import org.mlm4j.kernels.SyntheticWeights;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Tensor;

/**
 * {@code mlm4j bench kernels}: matmul throughput on random weights at the shapes of the models
 * mlm4j runs, next to this machine's streaming read bandwidth, so that each figure reads as a
 * fraction of the physical limit (decode is bound by memory, prefill and the ViT by arithmetic).
 */
final class KernelsBench implements Command {
    /** Bytes of weights a decode sweep cycles through: well beyond any cache of this class of machine. */
    private static final long SWEEP_BYTES = 1L << 30;
    /** Streaming-read buffer, as large as the sweep. */
    private static final long STREAM_BYTES = 1L << 30;

    @Override
    public String name() {
        return "kernels";
    }

    @Override
    public String summary() {
        return "matmul kernel throughput on random weights, against the memory bandwidth";
    }

    @Override
    public String help() {
        return """
                usage: mlm4j bench kernels [--quick] [--threads N] [--json]

                Times the matmul kernels on random weights (ggml's reference quantizers, in off-heap
                memory) at MobileLLaMA-1.4B and CLIP ViT-L shapes, with llama.cpp numerics. Prints one
                line per case: kernel, weight type, shape (rows x cols), batch, threads, milliseconds
                per call (best and median: on a shared machine the best call is the one that ran
                alone), GFLOP/s and GB/s of weights read of the best call, and that as a share of
                the streaming read bandwidth measured first (a sum over a 1 GiB buffer, far beyond
                the caches), and GFLOP/s as a share (%pk) of the FMA peak measured next (independent
                FMA chains of the kernels' own width on every thread).
                Decode cases marked "sweep" cycle through 1 GiB of distinct matrices, so their
                weights come from memory, as in a real decode step.

                  --quick      a short run (under a minute on 2 cores): the headline cases only
                  --threads N  compute threads (default: all cores)
                  --json       one JSON document instead of the table
                """;
    }

    record Case(String kernel, GgmlType type, int rows, int cols, int batch, boolean sweep) {
    }

    @Override
    public int run(Options options, PrintStream out, PrintStream err) throws Exception {
        boolean quick = options.flag("quick");
        boolean json = options.flag("json");
        int threads = options.integer("threads", Runtime.getRuntime().availableProcessors());
        options.finish();
        if (options.positional().size() > 1) {
            throw new UsageException("unexpected argument '" + options.positional().get(1) + "'");
        }
        if (threads < 1) {
            throw new UsageException("--threads must be at least 1");
        }
        Parallel.configure(threads);
        String simd = KernelProvider.get().name();
        double bandwidth = streamingReadGBs(quick ? 3 : 8);
        double peak = fmaPeakGflops();
        List<Map<String, Object>> results = new ArrayList<>();
        if (!json) {
            out.printf(Locale.ROOT, "streaming read bandwidth: %.1f GB/s (%d threads, best 64 MiB slab per thread of a %d MiB buffer)%n",
                    bandwidth, threads, STREAM_BYTES >> 20);
            out.printf(Locale.ROOT, "FMA peak: %.1f GFLOP/s (%d threads, %d independent chains of %s FMAs each)%n",
                    peak, threads, MatmulKernels.FMA_CHAINS, simd);
            out.printf(Locale.ROOT, "%-11s %-5s %-12s %5s %3s %9s %9s %8s %5s %7s %5s%n",
                    "kernel", "type", "rows x cols", "batch", "thr", "best ms", "median", "GFLOP/s", "%pk", "GB/s", "%bw");
        }
        for (Case c : cases(quick, simd)) {
            Map<String, Object> r = measure(c, threads, quick ? 1.5 : 3.0, quick ? 0.8 : 2.0);
            double gbs = (double) r.get("gb_per_s");
            double gflops = (double) r.get("gflop_per_s");
            r.put("bandwidth_fraction", gbs / bandwidth);
            r.put("peak_fraction", gflops / peak);
            results.add(r);
            if (!json) {
                out.printf(Locale.ROOT, "%-11s %-5s %-12s %5d %3d %9.3f %9.3f %8.1f %4.0f%% %7.2f %4.0f%%%s%n",
                        c.kernel, c.type.ggmlName(), c.rows + "x" + c.cols, c.batch, threads,
                        (double) r.get("ms"), (double) r.get("median_ms"), gflops, 100 * gflops / peak, gbs,
                        100 * gbs / bandwidth,
                        c.sweep ? "  sweep" : "");
                out.flush();
            }
        }
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("threads", threads);
            doc.put("streaming_read_gb_per_s", bandwidth);
            doc.put("fma_peak_gflop_per_s", peak);
            doc.put("cases", results);
            out.print(Json.write(doc));
        }
        return 0;
    }

    private static List<Case> cases(boolean quick, String simd) {
        List<Case> cases = new ArrayList<>();
        if (quick) {
            cases.add(new Case(simd, GgmlType.Q4_0, 5632, 2048, 1, true));
            cases.add(new Case(simd, GgmlType.Q8_0, 5632, 2048, 1, true));
            // the down projection's long rows: read ahead differently (LinesAhead)
            cases.add(new Case(simd, GgmlType.Q4_0, 2048, 5632, 1, true));
            cases.add(new Case(simd, GgmlType.Q8_0, 2048, 5632, 1, true));
            cases.add(new Case(simd, GgmlType.Q4_K, 5632, 2048, 1, true));
            cases.add(new Case(simd, GgmlType.F16, 5632, 2048, 1, true));
            cases.add(new Case(simd, GgmlType.Q6_K, 2048, 2048, 1, false));
            cases.add(new Case(simd, GgmlType.Q4_0, 2048, 2048, 64, false));
            cases.add(new Case(simd, GgmlType.Q8_0, 2048, 2048, 64, false));
            // the K-quant of Q4_K_M files on 16-bit lanes (NibbleTiles), as Q4_0
            cases.add(new Case(simd, GgmlType.Q4_K, 2048, 2048, 64, false));
            cases.add(new Case(simd, GgmlType.F16, 1024, 1024, 577, false));
            cases.add(new Case("scalar", GgmlType.Q4_0, 2048, 2048, 1, false));
            cases.add(new Case("scalar", GgmlType.Q4_0, 2048, 2048, 16, false));
            return cases;
        }
        int[][] decode = {{2048, 2048}, {5632, 2048}, {2048, 5632}, {32000, 2048}};
        GgmlType[] types = {GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
                GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.F16, GgmlType.BF16, GgmlType.F32};
        for (GgmlType t : types) {
            cases.add(new Case(simd, t, 5632, 2048, 1, true));
            cases.add(new Case(simd, t, 2048, 5632, 1, true));
            for (int[] s : decode) {
                cases.add(new Case(simd, t, s[0], s[1], 1, false));
            }
        }
        for (GgmlType t : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
                GgmlType.F16}) {
            for (int batch : new int[] {16, 64, 512}) {
                cases.add(new Case(simd, t, 2048, 2048, batch, false));
                cases.add(new Case(simd, t, 5632, 2048, batch, false));
            }
        }
        for (GgmlType t : new GgmlType[] {GgmlType.F16, GgmlType.Q8_0, GgmlType.F32}) {
            cases.add(new Case(simd, t, 1024, 1024, 577, false));
            cases.add(new Case(simd, t, 4096, 1024, 577, false));
            cases.add(new Case(simd, t, 1024, 4096, 577, false));
        }
        for (GgmlType t : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.F16}) {
            cases.add(new Case("scalar", t, 2048, 2048, 1, false));
            cases.add(new Case("scalar", t, 2048, 2048, 16, false));
        }
        return cases;
    }

    private static Map<String, Object> measure(Case c, int threads, double warmSeconds, double seconds) {
        MatmulKernels kernels = c.kernel.equals("scalar") ? KernelProvider.scalar().matmul() : KernelProvider.get().matmul();
        long matrixBytes = c.type.byteSize((long) c.rows * c.cols);
        int count = c.sweep ? (int) Math.max(1, SWEEP_BYTES / matrixBytes) : 1;
        Tensor[] weights = new Tensor[count];
        weights[0] = SyntheticWeights.gaussian(c.type, c.rows, c.cols, 1, 64);
        for (int i = 1; i < count; i++) {
            MemorySegment copy = Arena.ofAuto().allocate(matrixBytes, 64);
            copy.copyFrom(weights[0].data());
            weights[i] = new Tensor(weights[0].name(), c.type, weights[0].shape(), copy);
        }
        float[] x = SyntheticWeights.activations(c.batch, c.cols, 2);
        float[] y = new float[c.rows * c.batch];
        // Warm up: let C2 compile the kernels (seconds on a loaded machine) and touch every matrix once.
        long warmEnd = System.nanoTime() + (long) (warmSeconds * 1e9);
        int i = 0;
        do {
            kernels.matmul(weights[i++ % count], x, 0, y, 0, c.batch);
        } while (System.nanoTime() < warmEnd || i < count);
        // Best and median of single calls: on a shared machine the best call is the one that ran
        // alone, the median shows how often that happens.
        long[] times = new long[4096];
        int calls = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        do {
            long t0 = System.nanoTime();
            kernels.matmul(weights[calls % count], x, 0, y, 0, c.batch);
            times[calls++] = System.nanoTime() - t0;
        } while ((System.nanoTime() < end || calls < 3) && calls < times.length);
        java.util.Arrays.sort(times, 0, calls);
        double secondsPerCall = times[0] / 1e9;
        double median = times[calls / 2] / 1e9;
        double flops = 2.0 * c.rows * c.cols * c.batch;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("kernel", c.kernel);
        r.put("type", c.type.ggmlName());
        r.put("rows", c.rows);
        r.put("cols", c.cols);
        r.put("batch", c.batch);
        r.put("threads", threads);
        r.put("sweep", c.sweep);
        r.put("ms", secondsPerCall * 1e3);
        r.put("median_ms", median * 1e3);
        r.put("calls", calls);
        r.put("gflop_per_s", flops / secondsPerCall / 1e9);
        r.put("gb_per_s", matrixBytes / secondsPerCall / 1e9);
        return r;
    }

    /**
     * GFLOP/s of {@link MatmulKernels#fmaChains} on every pool thread at once (independent FMAs
     * only: the arithmetic ceiling of the batched kernels); the best of five runs of 2 GFLOP per
     * thread (~20 ms with the vector kernels, about a second with the scalar ones).
     */
    private static double fmaPeakGflops() {
        MatmulKernels kernels = KernelProvider.get().matmul();
        LongAdder sink = new LongAdder(); // the sums are kept, so the FMAs cannot be optimized away
        for (int warm = 0; warm < 200; warm++) {
            sink.add((long) kernels.fmaChains(1f, 1f, 10_000));
        }
        int threads = Parallel.threads();
        long steps = 2_000_000_000L / kernels.fmaChainsFlopsPerStep();
        double best = 0;
        for (int run = 0; run < 5; run++) {
            long start = System.nanoTime();
            Parallel.forRange(threads, 1, (t0, t1) -> {
                for (int t = t0; t < t1; t++) {
                    sink.add((long) kernels.fmaChains(0.5f, 1f, steps));
                }
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            best = Math.max(best, (double) threads * steps * kernels.fmaChainsFlopsPerStep() / seconds / 1e9);
        }
        return best;
    }

    /**
     * GB/s of a sum over {@link #STREAM_BYTES} of off-heap memory (beyond any cache: each part is
     * read again only after the whole buffer), in slabs of 64 MiB per thread read by all threads at
     * once; the best slab of {@code passes} passes over the buffer, because on a shared machine a
     * long read is always interrupted somewhere.
     */
    private static double streamingReadGBs(int passes) {
        MemorySegment buffer = Arena.ofAuto().allocate(STREAM_BYTES, 4096);
        buffer.fill((byte) 1);
        LongAdder sink = new LongAdder(); // the sums are kept, so the reads cannot be optimized away
        MatmulKernels reader = KernelProvider.get().matmul();
        for (int warm = 0; warm < 200; warm++) {
            sink.add(reader.streamRead(buffer, 0, 1 << 20));
        }
        long part = 64L << 20;
        int threads = Parallel.threads();
        long slab = part * threads;
        double best = 0;
        for (int p = 0; p < passes; p++) {
            for (long at = 0; at + slab <= STREAM_BYTES; at += slab) {
                long from = at;
                long start = System.nanoTime();
                Parallel.forRange(threads, 1, (t0, t1) -> {
                    for (int t = t0; t < t1; t++) {
                        sink.add(reader.streamRead(buffer, from + t * part, from + (t + 1) * part));
                    }
                });
                best = Math.max(best, slab / ((System.nanoTime() - start) / 1e9) / 1e9);
            }
        }
        return best;
    }
}
