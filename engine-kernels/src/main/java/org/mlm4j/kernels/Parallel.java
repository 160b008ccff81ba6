package org.mlm4j.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one thread pool every kernel shares: {@link #threads()} threads in all, the calling thread
 * plus {@code threads - 1} daemon workers started once. A call to {@link #forRange} splits
 * {@code [0, n)} into chunks of {@code grain} indices that the threads take in turn from a shared
 * counter (so a slow or descheduled thread delays only its own chunk), and returns when every
 * chunk is done. No thread is created per call.
 *
 * <p>With one thread, a single chunk, a nested call (from inside a body) or while another
 * application thread holds the pool, the chunks run one after another on the calling thread: the
 * pool never blocks waiting for itself.
 *
 * <p>The CLI sizes the pool from {@code --threads} through {@link #configure}; the default is
 * {@link Runtime#availableProcessors()}.
 */
public final class Parallel {

    /** A body over a half-open range of indices {@code [start, end)}. */
    @FunctionalInterface
    public interface IntRangeBody {
        void run(int start, int end);
    }

    private static final int SPIN_BEFORE_PARK = 2_000;

    private static volatile Pool pool = new Pool(Runtime.getRuntime().availableProcessors());

    private Parallel() {
    }

    /**
     * Sets the number of threads (the caller included) for every later call; 1 means no worker
     * threads at all. The previous workers are stopped.
     */
    public static synchronized void configure(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (threads != pool.threads) {
            Pool old = pool;
            pool = new Pool(threads);
            old.shutdown();
        }
    }

    /** The number of threads (the caller included) a call may use. */
    public static int threads() {
        return pool.threads;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks of {@code grain} indices (the last one
     * shorter), on up to {@link #threads()} threads, and returns when all are done. The first
     * exception a body throws is rethrown here after the other chunks finish.
     */
    public static void forRange(int n, int grain, IntRangeBody body) {
        if (n <= 0) {
            return;
        }
        if (grain < 1) {
            throw new IllegalArgumentException("grain must be at least 1, got " + grain);
        }
        pool.run(n, grain, body);
    }

    /**
     * A grain that gives every thread several chunks of about {@code targetBytes} of work each:
     * the cache-sized unit of a row split, rounded to a multiple of {@code multiple}.
     */
    public static int grain(int n, long bytesPerIndex, long targetBytes, int multiple) {
        long byBytes = Math.max(1, targetBytes / Math.max(1, bytesPerIndex));
        long byBalance = Math.max(1, n / (4L * threads()));
        long g = Math.min(byBytes, byBalance);
        g = Math.max(multiple, (g + multiple - 1) / multiple * multiple);
        return (int) Math.min(g, Math.max(n, 1));
    }

    /** One job at a time; workers park between jobs. */
    private static final class Pool {
        final int threads;
        final Thread[] workers;
        final ReentrantLock busy = new ReentrantLock();
        final ThreadLocal<Boolean> insideBody = ThreadLocal.withInitial(() -> Boolean.FALSE);
        volatile Job job;
        volatile boolean stopped;

        Pool(int threads) {
            this.threads = threads;
            this.workers = new Thread[threads - 1];
            for (int i = 0; i < workers.length; i++) {
                Thread t = new Thread(this::workerLoop, "mlm4j-parallel-" + (i + 1));
                t.setDaemon(true);
                workers[i] = t;
                t.start();
            }
        }

        void run(int n, int grain, IntRangeBody body) {
            int chunks = (n + grain - 1) / grain;
            if (workers.length == 0 || chunks == 1 || insideBody.get() || !busy.tryLock()) {
                // Chunk by chunk even here: bodies size their scratch by the chunk.
                for (int start = 0; start < n; start += grain) {
                    body.run(start, Math.min(n, start + grain));
                }
                return;
            }
            try {
                Job j = new Job(n, grain, chunks, body);
                job = j;
                int wake = Math.min(workers.length, chunks - 1);
                for (int i = 0; i < wake; i++) {
                    LockSupport.unpark(workers[i]);
                }
                insideBody.set(Boolean.TRUE);
                try {
                    j.work();
                } finally {
                    insideBody.set(Boolean.FALSE);
                }
                j.awaitDone();
                job = null;
                j.rethrow();
            } finally {
                busy.unlock();
            }
        }

        void workerLoop() {
            insideBody.set(Boolean.TRUE);
            Job last = null;
            int idle = 0;
            while (!stopped) {
                Job j = job;
                if (j == null || j == last) {
                    // Spin a little before parking: a decode step issues its matmuls back to back.
                    if (++idle < SPIN_BEFORE_PARK) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                    continue;
                }
                idle = 0;
                last = j;
                j.work();
            }
        }

        void shutdown() {
            stopped = true;
            for (Thread t : workers) {
                LockSupport.unpark(t);
            }
        }
    }

    /** The chunks of one call: taken from {@code next}, counted in {@code done}. */
    private static final class Job {
        final int n;
        final int grain;
        final int chunks;
        final IntRangeBody body;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final Thread caller = Thread.currentThread();
        volatile Throwable failure;

        Job(int n, int grain, int chunks, IntRangeBody body) {
            this.n = n;
            this.grain = grain;
            this.chunks = chunks;
            this.body = body;
        }

        void work() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                int start = c * grain;
                try {
                    if (failure == null) {
                        body.run(start, Math.min(n, start + grain));
                    }
                } catch (Throwable e) {
                    if (failure == null) {
                        failure = e;
                    }
                } finally {
                    if (done.incrementAndGet() == chunks) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        void awaitDone() {
            // A short spin first: matvec chunks finish within microseconds of each other.
            for (int spin = 0; spin < SPIN_BEFORE_PARK && done.get() < chunks; spin++) {
                Thread.onSpinWait();
            }
            while (done.get() < chunks) {
                LockSupport.park(this);
            }
        }

        void rethrow() {
            Throwable e = failure;
            if (e instanceof RuntimeException r) {
                throw r;
            }
            if (e instanceof Error err) {
                throw err;
            }
            if (e != null) {
                throw new RuntimeException(e);
            }
        }
    }
}
