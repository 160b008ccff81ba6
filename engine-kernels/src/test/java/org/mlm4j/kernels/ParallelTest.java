package org.mlm4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ParallelTest {
    private int threads;

    @BeforeEach
    void twoThreads() {
        threads = Parallel.threads();
        Parallel.configure(2);
    }

    @AfterEach
    void restore() {
        Parallel.configure(threads);
    }

    @Test
    void everyIndexRunsExactlyOnce() {
        for (int n : new int[] {1, 2, 7, 64, 1000, 4099}) {
            for (int grain : new int[] {1, 3, 64, 5000}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                Parallel.forRange(n, grain, (start, end) -> {
                    assertThat(end - start).isBetween(1, grain);
                    for (int i = start; i < end; i++) {
                        seen.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertThat(seen.get(i)).as("n=%d grain=%d index %d", n, grain, i).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void nestedCallsRunOnTheCallingThread() {
        AtomicIntegerArray seen = new AtomicIntegerArray(16 * 16);
        Parallel.forRange(16, 1, (a, b) -> {
            for (int i = a; i < b; i++) {
                int row = i;
                Parallel.forRange(16, 1, (c, d) -> {
                    for (int j = c; j < d; j++) {
                        seen.incrementAndGet(row * 16 + j);
                    }
                });
            }
        });
        for (int i = 0; i < 256; i++) {
            assertThat(seen.get(i)).isEqualTo(1);
        }
    }

    @Test
    void aBodyFailureReachesTheCaller() {
        assertThatThrownBy(() -> Parallel.forRange(100, 1, (a, b) -> {
            if (a == 57) {
                throw new IllegalStateException("chunk 57");
            }
        })).isInstanceOf(IllegalStateException.class).hasMessage("chunk 57");
        AtomicIntegerArray after = new AtomicIntegerArray(1);
        Parallel.forRange(10, 1, (a, b) -> after.incrementAndGet(0));
        assertThat(after.get(0)).isEqualTo(10);
    }

    @Test
    void oneThreadRunsInlineChunkByChunk() {
        Parallel.configure(1);
        Thread caller = Thread.currentThread();
        AtomicIntegerArray calls = new AtomicIntegerArray(1);
        Parallel.forRange(100, 7, (a, b) -> {
            assertThat(Thread.currentThread()).isSameAs(caller);
            assertThat(b - a).isBetween(1, 7);
            calls.incrementAndGet(0);
        });
        assertThat(calls.get(0)).isEqualTo(15);
        assertThat(Parallel.threads()).isEqualTo(1);
        assertThatThrownBy(() -> Parallel.configure(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
