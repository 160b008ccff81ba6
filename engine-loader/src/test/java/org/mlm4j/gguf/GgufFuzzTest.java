package org.mlm4j.gguf;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mlm4j.testing.TestData;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Real files, truncated and with random bytes changed (fixed seeds, bounded time): the reader
 * either parses them or throws {@link GgufFormatException} — no other throwable, no hang, and no
 * allocation out of proportion to the file.
 */
class GgufFuzzTest {
    private static final long FLIP_BUDGET_NANOS = Duration.ofMillis(1000).toNanos();
    private static final long[] INTERESTING = {0, 1, -1, 0x7fffffffL, 0x80000000L, 0xffffffffL, 1L << 32, Long.MAX_VALUE, Long.MIN_VALUE};
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"models/stories260K.gguf", "oracle/vision/models/mmproj-ldpv2-f16.gguf", "vocab/ggml-vocab-phi-3.gguf"})
    void truncatedAtEveryLengthOfTheHeaderAndSampledAfter(String name) throws IOException {
        byte[] file = Files.readAllBytes(TestData.path(name));
        int header = (int) Math.min(GgufFile.parse(MemorySegment.ofArray(file)).dataOffset(), file.length);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            // every prefix of the first 16 KiB, and samples of the rest of the header and the data
            Random rnd = new Random(42);
            for (int len = 0; len <= Math.min(header, 16 << 10); len++) {
                parseOrReject(file, len, "prefix " + len);
            }
            for (int i = 0; i < 64; i++) {
                int len = i % 2 == 0 ? rnd.nextInt(header + 1) : header + rnd.nextInt(file.length - header + 1);
                parseOrReject(file, len, "prefix " + len);
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"models/stories260K.gguf", "oracle/text/models/mamba_e128-Q8_0.gguf", "vocab/ggml-vocab-llama-spm.gguf"})
    void randomBytesChanged(String name) throws IOException {
        byte[] original = Files.readAllBytes(TestData.path(name));
        int header = (int) GgufFile.parse(MemorySegment.ofArray(original)).dataOffset();
        byte[] file = original.clone();
        ByteBuffer le = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            long start = System.nanoTime();
            int rejected = 0;
            int runs = 0;
            for (long seed = 1; System.nanoTime() - start < FLIP_BUDGET_NANOS; seed++, runs++) {
                Random rnd = new Random(seed);
                int changes = 1 + rnd.nextInt(4);
                for (int c = 0; c < changes; c++) {
                    int at = rnd.nextInt(10) == 0 ? rnd.nextInt(file.length) : rnd.nextInt(header);
                    switch (rnd.nextInt(3)) {
                        case 0 -> file[at] ^= (byte) (1 << rnd.nextInt(8));
                        case 1 -> file[at] = (byte) rnd.nextInt(256);
                        default -> le.putLong(Math.min(at, file.length - 8), INTERESTING[rnd.nextInt(INTERESTING.length)]);
                    }
                }
                if (!parseOrReject(file, file.length, "seed " + seed)) {
                    rejected++;
                }
                System.arraycopy(original, 0, file, 0, Math.min(file.length, header + 64));
                if (header + 64 < file.length) {
                    System.arraycopy(original, header + 64, file, header + 64, file.length - header - 64);
                }
            }
            assertThat(runs).isGreaterThan(20);
            assertThat(rejected).as("changed files rejected").isPositive();
        });
    }

    /** Parses the first {@code len} bytes; true when they parse, false when rejected as invalid GGUF. */
    private static boolean parseOrReject(byte[] file, int len, String what) {
        long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
        boolean parsed;
        try {
            GgufFile.parse(MemorySegment.ofArray(file).asSlice(0, len));
            parsed = true;
        } catch (GgufFormatException e) {
            assertThat(e.offset()).as(what).isBetween(0L, (long) len);
            parsed = false;
        } catch (Throwable t) {
            throw new AssertionError(what + ": expected a GgufFormatException, got " + t, t);
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
        assertThat(allocated).as(what + ": bytes allocated").isLessThan(16L * len + (8 << 20));
        return parsed;
    }
}
