package org.mlm4j.gguf;

import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Quantize;
import org.mlm4j.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a GGUF v3 file: metadata of every type, then tensors of any {@link GgmlType}, each
 * starting at a multiple of the alignment ({@code general.alignment}, default 32), as ggml's
 * gguf.cpp lays them out. Tensors are declared first and their bytes produced only while the file
 * is written, one tensor at a time ({@link TensorData}), so a multi-gigabyte model is streamed to
 * disk, never held in memory. The file appears at its path only once complete (it is written to a
 * temporary sibling and moved into place).
 *
 * <pre>{@code
 * new GgufWriter()
 *     .put("general.architecture", "llama")
 *     .put("llama.block_count", GgufType.UINT32, 5)
 *     .put("tokenizer.ggml.tokens", GgufArray.ofStrings(vocab))
 *     .addTensor("output_norm.weight", GgmlType.F32, new long[] {64}, norm)           // float[]
 *     .addTensor("token_embd.weight", GgmlType.Q8_0, new long[] {64, 512}, embd)     // quantized here
 *     .addTensor("output.weight", GgmlType.Q4_K, new long[] {256, 512}, q4kBytes)    // raw blocks
 *     .addTensor("blk.0.ffn_up.weight", GgmlType.F16, new long[] {4096, 11008},
 *                sink -> { for (...) sink.write(rowBytes); })                            // streamed
 *     .write(path);
 * }</pre>
 */
public final class GgufWriter {
    /** Produces one tensor's bytes, in order, into the file being written. */
    @FunctionalInterface
    public interface TensorData {
        void writeTo(Sink sink) throws IOException;
    }

    private final Map<String, GgufType> types = new LinkedHashMap<>();
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();

    private record PendingTensor(String name, GgmlType type, long[] shape, long bytes, TensorData data) {
    }

    /** Sets {@code key} to {@code value} typed from its Java class: Integer is i32, Long i64, Float f32, Double f64, String str, Boolean bool, GgufArray arr. */
    public GgufWriter put(String key, Object value) {
        return put(key, GgufValues.infer(value), value);
    }

    /** Sets {@code key} to {@code value} as a {@code type} (checked to fit, e.g. a u32 takes 0..2^32-1). */
    public GgufWriter put(String key, GgufType type, Object value) {
        if (key == null) {
            throw new IllegalArgumentException("null metadata key");
        }
        Object v = GgufValues.normalize(type, value);
        if (key.equals("general.alignment")) {
            checkAlignment(type, v);
        }
        types.put(key, type);
        values.put(key, v);
        return this;
    }

    /** Copies every key of {@code metadata} with its type (e.g. from a file being converted). */
    public GgufWriter putAll(GgufMetadata metadata) {
        for (String key : metadata.keys()) {
            put(key, metadata.type(key), metadata.get(key));
        }
        return this;
    }

    public GgufWriter remove(String key) {
        types.remove(key);
        values.remove(key);
        return this;
    }

    /** Aligns tensor data to {@code bytes} (a power of two), recorded as the u32 {@code general.alignment}. */
    public GgufWriter alignment(int bytes) {
        return put("general.alignment", GgufType.UINT32, bytes);
    }

    /** Adds a tensor whose bytes {@code data} writes when the file is written. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorData data) {
        long bytes = checkTensor(name, type, shape);
        tensors.add(new PendingTensor(name, type, shape.clone(), bytes, data));
        tensorNames.add(name);
        return this;
    }

    /** Adds a tensor from its stored bytes (ggml blocks for quantized types, little-endian). */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, byte[] raw) {
        long bytes = checkTensor(name, type, shape);
        if (raw.length != bytes) {
            throw new IllegalArgumentException("tensor '" + name + "': " + raw.length + " bytes given, "
                    + type.ggmlName() + Arrays.toString(shape) + " takes " + bytes);
        }
        return addTensor(name, type, shape, sink -> sink.write(raw));
    }

    /**
     * Adds a tensor from float values converted to {@code type}: f32, f16, bf16 or quantized with
     * ggml's reference quantizers ({@link Quantize}; other types fail with the list of those supported).
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, float[] values) {
        long n = Tensor.elementCount(shape);
        if (values.length != n) {
            throw new IllegalArgumentException("tensor '" + name + "': " + values.length + " values given, shape "
                    + Arrays.toString(shape) + " holds " + n);
        }
        Quantize.toBytes(type, new float[type.blockSize], 0, type.blockSize); // fails now, not mid-file, for a type it cannot make
        return addTensor(name, type, shape, sink -> sink.writeFloats(type, values, 0, values.length));
    }

    /** Adds a copy of {@code tensor} (its name, type, shape and bytes), e.g. one read from another file. */
    public GgufWriter addTensor(Tensor tensor) {
        return addTensor(tensor.name(), tensor.type(), tensor.shape(), sink -> sink.write(tensor.data()));
    }

    private long checkTensor(String name, GgmlType type, long[] shape) {
        if (name == null || name.getBytes(StandardCharsets.UTF_8).length >= GgufFile.MAX_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name must have 1.." + (GgufFile.MAX_NAME_BYTES - 1)
                    + " UTF-8 bytes (ggml's limit): '" + name + "'");
        }
        if (tensorNames.contains(name)) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        if (shape.length < 1 || shape.length > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' has rank " + shape.length + " (1.." + GgufFile.MAX_DIMS + ")");
        }
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension " + Arrays.toString(shape));
            }
        }
        if (shape[0] % type.blockSize != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': ne0 = " + shape[0] + " is not a whole number of "
                    + type.ggmlName() + " blocks of " + type.blockSize);
        }
        try {
            return type.byteSize(Tensor.elementCount(shape));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("tensor '" + name + "': size of " + Arrays.toString(shape) + " overflows");
        }
    }

    private static void checkAlignment(GgufType type, Object v) {
        if (type != GgufType.UINT32 || Long.bitCount((Long) v) != 1) {
            throw new IllegalArgumentException("general.alignment must be a power-of-two u32, got " + type.shortName() + " " + v);
        }
    }

    private int alignmentBytes() {
        return values.containsKey("general.alignment") ? ((Long) values.get("general.alignment")).intValue()
                : GgufFile.DEFAULT_ALIGNMENT;
    }

    /** Writes the file; {@code path} is replaced only when writing succeeded. */
    public void write(Path path) throws IOException {
        Path abs = path.toAbsolutePath();
        // a sibling (same file system, so the move is atomic), created with the usual permissions
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                writeTo(ch);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void writeTo(FileChannel ch) throws IOException {
        int alignment = alignmentBytes();
        Sink out = new Sink(ch);
        out.u32(GgufFile.MAGIC);
        out.u32(3);
        out.u64(tensors.size());
        out.u64(values.size());
        for (var e : values.entrySet()) {
            out.string(e.getKey());
            GgufType type = types.get(e.getKey());
            out.u32(type.id);
            out.value(type, e.getValue());
        }
        long offset = 0;
        for (PendingTensor t : tensors) {
            out.string(t.name);
            out.u32(t.shape.length);
            for (long d : t.shape) {
                out.u64(d);
            }
            out.u32(t.type.id);
            out.u64(offset);
            offset = Math.addExact(offset, GgufFile.alignUp(t.bytes, alignment));
        }
        out.pad(alignment);
        for (PendingTensor t : tensors) {
            long start = out.position();
            t.data.writeTo(out);
            long written = out.position() - start;
            if (written != t.bytes) {
                throw new IllegalStateException("tensor '" + t.name + "': " + written + " bytes written, "
                        + t.type.ggmlName() + Arrays.toString(t.shape) + " takes " + t.bytes);
            }
            out.pad(alignment);
        }
        out.finish();
    }

    /**
     * Where a tensor's bytes go: little-endian, buffered, counted (the writer checks that each
     * tensor gets exactly its size). {@link #writeZeros} leaves a hole in the file where the file
     * system supports sparse files.
     */
    public static final class Sink {
        private static final int BUFFER_BYTES = 1 << 20;
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private final MemorySegment bufferSegment = MemorySegment.ofBuffer(buffer);
        private long flushed;

        private Sink(FileChannel channel) {
            this.channel = channel;
        }

        /** Bytes written so far (the file offset of the next byte). */
        public long position() {
            return flushed + buffer.position();
        }

        public void write(byte[] bytes) throws IOException {
            write(bytes, 0, bytes.length);
        }

        public void write(byte[] bytes, int off, int len) throws IOException {
            write(MemorySegment.ofArray(bytes).asSlice(off, len));
        }

        /** Copies {@code bytes} (any segment: heap, native or mapped from another file). */
        public void write(MemorySegment bytes) throws IOException {
            long done = 0;
            while (done < bytes.byteSize()) {
                ensure(1);
                long n = Math.min(bytes.byteSize() - done, buffer.remaining());
                MemorySegment.copy(bytes, done, bufferSegment, buffer.position(), n);
                buffer.position(buffer.position() + (int) n);
                done += n;
            }
        }

        /**
         * Writes {@code n} floats (a whole number of blocks) converted to {@code type}: f32, f16,
         * bf16 or a quantized type, with ggml's reference conversions ({@link Quantize}).
         */
        public void writeFloats(GgmlType type, float[] values, int off, int n) throws IOException {
            int chunk = BUFFER_BYTES / type.typeSize * type.blockSize;
            for (int done = 0; done < n; done += chunk) {
                int m = Math.min(chunk, n - done);
                int bytes = (int) type.byteSize(m);
                ensure(bytes);
                Quantize.row(type, values, off + done, m, bufferSegment, buffer.position());
                buffer.position(buffer.position() + bytes);
            }
        }

        /** Writes {@code count} zero bytes, as a hole in the file when the count is large. */
        public void writeZeros(long count) throws IOException {
            if (count < BUFFER_BYTES) {
                for (long i = 0; i < count; i++) {
                    ensure(1);
                    buffer.put((byte) 0);
                }
            } else {
                flush();
                flushed += count;
                channel.position(flushed);
            }
        }

        private void ensure(int bytes) throws IOException {
            if (buffer.remaining() < bytes) {
                flush();
            }
        }

        private void flush() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) {
                flushed += channel.write(buffer);
            }
            buffer.clear();
        }

        void u32(int v) throws IOException {
            ensure(4);
            buffer.putInt(v);
        }

        void u64(long v) throws IOException {
            ensure(8);
            buffer.putLong(v);
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            write(b);
        }

        void value(GgufType type, Object v) throws IOException {
            ensure(8);
            switch (type) {
                case UINT8, INT8 -> buffer.put((byte) (int) (Integer) v);
                case UINT16, INT16 -> buffer.putShort((short) (int) (Integer) v);
                case INT32 -> buffer.putInt((Integer) v);
                case UINT32 -> buffer.putInt((int) (long) (Long) v);
                case UINT64, INT64 -> buffer.putLong((Long) v);
                case FLOAT32 -> buffer.putFloat((Float) v);
                case FLOAT64 -> buffer.putDouble((Double) v);
                case BOOL -> buffer.put((byte) ((Boolean) v ? 1 : 0));
                case STRING -> string((String) v);
                case ARRAY -> {
                    GgufArray a = (GgufArray) v;
                    u32(a.elementType().id);
                    u64(a.size());
                    for (Object e : a) {
                        value(a.elementType(), GgufValues.normalize(a.elementType(), e));
                    }
                }
            }
        }

        void pad(int alignment) throws IOException {
            writeZeros(GgufFile.alignUp(position(), alignment) - position());
        }

        /** Flushes and, when the file ends in a hole, extends it to its full length. */
        void finish() throws IOException {
            flush();
            if (channel.size() < flushed) {
                channel.write(ByteBuffer.allocate(1), flushed - 1);
            }
        }
    }
}
