package org.mlm4j.kernels.panama;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Software prefetch for the decode kernels, which Java has no instruction for: before a kernel
 * multiplies some weight rows, {@link #upTo} reads one byte of every cache line of the rows that
 * follow them, all in one burst, so those lines arrive from memory together while the kernel
 * computes on lines that are already there.
 *
 * <p>Why a burst: a decode loop executes ~15 instructions per 16 bytes of weights, so the
 * out-of-order window of the core spans only a few cache lines of its own loads, and that is all
 * the memory-level parallelism it gets (6 GB/s of Q4_0 from memory on a core that streams 28). A
 * load that misses blocks retirement until its line arrives whether or not anything uses it, so
 * spreading single reads ahead through the loop changes nothing (bench/README.md, third session);
 * 36-72 reads with nothing between them miss together and cost one wait for all of them
 * (bench/README.md, fourth session: Q4_0 6.0 → 8.9 GB/s from memory).
 */
final class LinesAhead {
    private static final int LINE = 64;
    private long frontier;
    /** Sum of the bytes read: kept, so the reads cannot be optimized away. */
    private long sink;

    /** Starts a new range of rows at byte offset {@code at}: nothing of it has been read ahead. */
    void start(long at) {
        frontier = at;
    }

    /** Reads one byte per cache line of {@code w} from where the last call stopped to {@code to}. */
    void upTo(MemorySegment w, long to) {
        long at = frontier;
        if (at >= to) {
            return;
        }
        long sum = sink;
        // from the start of at's cache line (not before the segment's), so that no line is skipped
        for (at = Math.max(0, at - ((w.address() + at) & (LINE - 1))); at < to; at += LINE) {
            sum += w.get(ValueLayout.JAVA_BYTE, at);
        }
        sink = sum;
        frontier = to;
    }
}
