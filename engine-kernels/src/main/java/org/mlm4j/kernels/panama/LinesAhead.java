package org.mlm4j.kernels.panama;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Software prefetch for the decode kernels, which Java has no instruction for: before a kernel
 * multiplies some weight rows, {@link #rows} reads one byte of every cache line of those rows
 * (or of their heads), all in one burst, so those lines arrive from memory together while the kernel
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
    /**
     * Q4_0 and Q8_0 rows of more columns than this are read ahead by their first
     * {@link #ROW_HEAD_BYTES} only. A burst's lines share L1 with the activations, which a decode
     * pass reads whole for every row pair; once those pass ~12 KiB, bursts of whole rows push them
     * out while the burst's misses hold the core's miss buffers, and the activation reloads wait
     * behind them. The rows' heads alone start the hardware's stream prefetch on each row instead
     * (2048x5632 from memory, one thread, best call: Q4_0 5.6 → 6.9 GB/s, Q8_0 7.1 → 9.8; at fewer
     * columns whole rows stay faster: Q8_0 2048x2560 11.9 against 8.6 with heads). The K-quant
     * kernels, slower per byte, lose with heads (Q6_K 2048x5632 5.0 → 4.1) and read whole rows.
     * bench/README.md, ninth session.
     */
    private static final int WHOLE_ROW_MAX_COLS = 3072;
    private static final long ROW_HEAD_BYTES = 576;
    private long frontier;
    private boolean headsOnly;
    /** Sum of the bytes read: kept, so the reads cannot be optimized away. */
    private long sink;

    /** Starts a new range of rows at byte offset {@code at}, to be read ahead whole: nothing of it has been read yet. */
    void start(long at) {
        frontier = at;
        headsOnly = false;
    }

    /** As {@link #start(long)} for rows of Q4_0 or Q8_0 blocks, {@code cols} long: long rows are read ahead by their heads. */
    void startQ4_0OrQ8_0(long at, int cols) {
        frontier = at;
        headsOnly = cols > WHOLE_ROW_MAX_COLS;
    }

    /**
     * Before the rows in bytes {@code [from, to)} of {@code w} (each {@code rowBytes} long) are
     * multiplied: reads what of them the last call did not, whole rows or their heads.
     */
    void rows(MemorySegment w, long from, long to, long rowBytes) {
        if (!headsOnly) {
            read(w, Math.max(from, frontier), to);
        } else {
            for (long row = from; row < to; row += rowBytes) {
                read(w, Math.max(row, frontier), Math.min(to, row + ROW_HEAD_BYTES));
            }
        }
        frontier = Math.max(frontier, to);
    }

    /** Reads one byte per cache line of {@code w} in {@code [from, to)}. */
    private void read(MemorySegment w, long from, long to) {
        if (from >= to) {
            return;
        }
        long sum = sink;
        // from the start of from's cache line (not before the segment's), so that no line is skipped
        for (long at = Math.max(0, from - ((w.address() + from) & (LINE - 1))); at < to; at += LINE) {
            sum += w.get(ValueLayout.JAVA_BYTE, at);
        }
        sink = sum;
    }
}
