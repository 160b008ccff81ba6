package org.mlm4j.gguf;

import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (v2 or v3, little-endian) mapped read-only once; every tensor is a zero-copy slice
 * of the mapping, valid until {@link #close()}. Layout (ggml's gguf.cpp): magic "GGUF", u32
 * version, u64 tensor count, u64 key/value count, the key/values (string key, u32 type, value),
 * the tensor infos (string name, u32 rank, u64 dims, u32 ggml type, u64 offset relative to the
 * data section), then padding to {@code general.alignment} (default 32) and the data section.
 *
 * <p>Every count, length and offset is checked against the file before it is used, so a truncated
 * or hostile file fails with a {@link GgufFormatException} naming the byte offset and the reason,
 * never with a read outside the file or an allocation larger than the file.
 */
public final class GgufFile implements AutoCloseable {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    static final int DEFAULT_ALIGNMENT = 32;
    static final int MAX_DIMS = 4; // GGML_MAX_DIMS
    static final int MAX_NAME_BYTES = 64; // GGML_MAX_NAME, including ggml's terminating zero

    private final Path path;
    private final Arena arena;
    private final int version;
    private final GgufMetadata metadata;
    private final Map<String, Tensor> tensors;
    private final Map<String, Long> tensorOffsets;
    private final long dataOffset;
    private final int alignment;
    private final long fileSize;

    private GgufFile(Path path, Arena arena, Parsed p, long fileSize) {
        this.path = path;
        this.arena = arena;
        this.version = p.version;
        this.metadata = p.metadata;
        this.tensors = p.tensors;
        this.tensorOffsets = p.offsets;
        this.dataOffset = p.dataOffset;
        this.alignment = p.alignment;
        this.fileSize = fileSize;
    }

    record Parsed(int version, GgufMetadata metadata, Map<String, Tensor> tensors, Map<String, Long> offsets,
                          long dataOffset, int alignment) {
    }

    /**
     * Maps and parses {@code path}.
     *
     * @throws GgufFormatException when the file is not a valid GGUF file
     * @throws IOException when it cannot be read (missing, a directory, no permission)
     */
    public static GgufFile open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw new IOException(path + " is a directory, not a GGUF file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new GgufFile(path, arena, parse(file), size);
        } catch (GgufFormatException e) {
            arena.close();
            throw new GgufFormatException(path, e);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Reads a whole GGUF file from {@code in} into native memory, for small models that cannot be
     * mapped, such as one bundled as a class-path resource; {@code name} stands for its path in
     * errors and in {@link #path()}. Model files on disk should be {@linkplain #open(Path) mapped}.
     */
    public static GgufFile read(InputStream in, String name) throws IOException {
        byte[] bytes = in.readAllBytes();
        Arena arena = Arena.ofShared();
        try {
            MemorySegment data = arena.allocate(bytes.length, 64);
            MemorySegment.copy(bytes, 0, data, ValueLayout.JAVA_BYTE, 0, bytes.length);
            return new GgufFile(Path.of(name), arena, parse(data.asReadOnly()), bytes.length);
        } catch (GgufFormatException e) {
            arena.close();
            throw new GgufFormatException(Path.of(name), e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Parses a whole GGUF file held in {@code file}; the tensors are slices of it. */
    static Parsed parse(MemorySegment file) {
        Reader r = new Reader(file);
        int magic = r.u32("magic");
        if (magic != MAGIC) {
            throw new GgufFormatException(0, "not a GGUF file (magic " + String.format("0x%08x", magic) + ", expected \"GGUF\")");
        }
        int version = r.u32("version");
        if (version != 2 && version != 3) {
            int swapped = Integer.reverseBytes(version);
            if (swapped == 2 || swapped == 3) {
                throw new GgufFormatException(4, "big-endian GGUF files are not supported (convert it to little-endian)");
            }
            throw new GgufFormatException(4, "unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 2, 3)");
        }
        long tensorCount = r.u64("tensor count");
        long kvCount = r.u64("key/value count");
        r.requireCount(kvCount, 8 + 4 + 1, "key/value count", 16);
        Map<String, Long> keyOffsets = new HashMap<>();
        GgufMetadata metadata = readMetadata(r, kvCount, keyOffsets);
        int alignment = alignment(metadata, keyOffsets);
        r.requireCount(tensorCount, 8 + 4 + 4 + 8, "tensor count", 8);
        List<TensorInfo> infos = new ArrayList<>();
        Map<String, TensorInfo> byName = new HashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            TensorInfo t = r.tensorInfo();
            if (byName.putIfAbsent(t.name, t) != null) {
                throw new GgufFormatException(t.infoOffset, "duplicate tensor name '" + t.name + "'");
            }
            infos.add(t);
        }
        long dataOffset = alignUp(r.pos, alignment);
        Map<String, Long> offsets = new HashMap<>();
        Map<String, Tensor> tensors = slices(file, infos, dataOffset, alignment, offsets);
        checkNoOverlap(infos, offsets);
        return new Parsed(version, metadata, Collections.unmodifiableMap(tensors), offsets, dataOffset, alignment);
    }

    /** The key/values, in file order; records where each key starts in {@code keyOffsets}. */
    private static GgufMetadata readMetadata(Reader r, long count, Map<String, Long> keyOffsets) {
        Map<String, GgufType> types = new LinkedHashMap<>();
        Map<String, Object> values = new LinkedHashMap<>();
        for (long i = 0; i < count; i++) {
            long at = r.pos;
            String key = r.string("key");
            if (types.containsKey(key)) {
                throw new GgufFormatException(at, "duplicate metadata key '" + key + "'");
            }
            GgufType type = r.type("value type of '" + key + "'");
            values.put(key, r.value(type, key, 0));
            types.put(key, type);
            keyOffsets.put(key, at);
        }
        return new GgufMetadata(types, values);
    }

    private static int alignment(GgufMetadata metadata, Map<String, Long> keyOffsets) {
        String key = "general.alignment";
        if (!metadata.contains(key)) {
            return DEFAULT_ALIGNMENT;
        }
        Object a = metadata.get(key);
        if (metadata.type(key) != GgufType.UINT32 || Long.bitCount((Long) a) != 1) {
            throw new GgufFormatException(keyOffsets.get(key),
                    key + " must be a power-of-two u32, got " + metadata.type(key).shortName() + " " + a);
        }
        return (int) (long) (Long) a;
    }

    /** Each tensor's data as a slice of {@code file}, checked to lie inside it; records the file offsets. */
    private static Map<String, Tensor> slices(MemorySegment file, List<TensorInfo> infos, long dataOffset, int alignment,
                                              Map<String, Long> offsets) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (TensorInfo t : infos) {
            if (t.offset % alignment != 0) {
                throw new GgufFormatException(t.offsetField, "tensor '" + t.name + "' data offset " + Long.toUnsignedString(t.offset)
                        + " is not a multiple of the alignment " + alignment);
            }
            long start = dataOffset + t.offset;
            if (t.offset < 0 || start < 0 || start > file.byteSize() || t.bytes > file.byteSize() - start) {
                throw new GgufFormatException(t.offsetField, "tensor '" + t.name + "' data [" + Long.toUnsignedString(start)
                        + ", +" + t.bytes + ") lies outside the file (" + file.byteSize() + " bytes)");
            }
            tensors.put(t.name, new Tensor(t.name, t.type, t.shape, file.asSlice(start, t.bytes)));
            offsets.put(t.name, start);
        }
        return tensors;
    }

    private static void checkNoOverlap(List<TensorInfo> infos, Map<String, Long> offsets) {
        List<TensorInfo> byStart = new ArrayList<>(infos.stream().filter(t -> t.bytes > 0).toList());
        byStart.sort(Comparator.comparingLong(t -> offsets.get(t.name)));
        for (int i = 1; i < byStart.size(); i++) {
            TensorInfo prev = byStart.get(i - 1);
            TensorInfo t = byStart.get(i);
            if (offsets.get(t.name) < offsets.get(prev.name) + prev.bytes) {
                throw new GgufFormatException(t.offsetField, "tensor '" + t.name + "' data overlaps tensor '" + prev.name + "'");
            }
        }
    }

    static long alignUp(long x, long alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    /** All tensors in file order. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public boolean hasTensor(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor called {@code name}; fails with the name when the file has none. */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("tensor '" + name + "' not found in " + path.getFileName());
        }
        return t;
    }

    /** The file offset of tensor {@code name}'s data. */
    public long tensorOffset(String name) {
        tensor(name);
        return tensorOffsets.get(name);
    }

    /** The file offset where the data section starts. */
    public long dataOffset() {
        return dataOffset;
    }

    public int alignment() {
        return alignment;
    }

    public long fileSize() {
        return fileSize;
    }

    @Override
    public void close() {
        arena.close();
    }

    private record TensorInfo(String name, GgmlType type, long[] shape, long offset, long bytes, long infoOffset,
                              long offsetField) {
    }

    /** A bounds-checked little-endian cursor over the mapped file. */
    private static final class Reader {
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final int MAX_ARRAY_DEPTH = 8;
        /** Arrays of strings and of arrays grow as elements are read, from at most this capacity. */
        private static final int INITIAL_CAPACITY = 1024;

        private final MemorySegment file;
        private long pos;

        Reader(MemorySegment file) {
            this.file = file;
        }

        private long left() {
            return file.byteSize() - pos;
        }

        private void need(long bytes, String what) {
            if (bytes > left()) {
                throw new GgufFormatException(pos, "file ends inside " + what + " (" + bytes + " bytes needed, "
                        + left() + " left)");
            }
        }

        /**
         * Rejects a count of items taking at least {@code minBytesEach} that cannot fit in the rest
         * of the file: nothing is allocated for a count before it passes this check.
         */
        void requireCount(long count, long minBytesEach, String what, long fieldOffset) {
            if (count < 0 || count > left() / minBytesEach) {
                throw new GgufFormatException(fieldOffset, what + " " + Long.toUnsignedString(count)
                        + " cannot fit in the " + left() + " bytes left in the file");
            }
        }

        byte u8(String what) {
            need(1, what);
            return file.get(ValueLayout.JAVA_BYTE, pos++);
        }

        short u16(String what) {
            need(2, what);
            short v = file.get(I16, pos);
            pos += 2;
            return v;
        }

        int u32(String what) {
            need(4, what);
            int v = file.get(I32, pos);
            pos += 4;
            return v;
        }

        long u64(String what) {
            need(8, what);
            long v = file.get(I64, pos);
            pos += 8;
            return v;
        }

        GgufType type(String what) {
            int id = u32(what);
            GgufType t = GgufType.byId(id);
            if (t == null) {
                throw new GgufFormatException(pos - 4, "unknown " + what + " " + Integer.toUnsignedString(id));
            }
            return t;
        }

        String string(String what) {
            return string(what, -1);
        }

        /** A string; {@code element} >= 0 names it as an element of the array {@code what} in errors. */
        String string(String what, int element) {
            if (left() < 8) {
                need(8, (element < 0 ? what : "element " + element + " of " + what) + " length");
            }
            long len = file.get(I64, pos);
            pos += 8;
            if (len < 0 || len > left() || len > Integer.MAX_VALUE - 8) {
                throw new GgufFormatException(pos - 8, (element < 0 ? what : "element " + element + " of " + what)
                        + " length " + Long.toUnsignedString(len) + " is larger than the " + left() + " bytes left in the file");
            }
            byte[] bytes = new byte[(int) len];
            MemorySegment.copy(file, ValueLayout.JAVA_BYTE, pos, bytes, 0, bytes.length);
            pos += len;
            return new String(bytes, StandardCharsets.UTF_8);
        }

        Object value(GgufType type, String key, int depth) {
            String what = "value of '" + key + "'";
            return switch (type) {
                case UINT8 -> Byte.toUnsignedInt(u8(what));
                case INT8 -> (int) u8(what);
                case UINT16 -> Short.toUnsignedInt(u16(what));
                case INT16 -> (int) u16(what);
                case UINT32 -> Integer.toUnsignedLong(u32(what));
                case INT32 -> u32(what);
                case FLOAT32 -> Float.intBitsToFloat(u32(what));
                case BOOL -> bool(u8(what), pos - 1, what);
                case STRING -> string(what);
                case UINT64, INT64 -> u64(what);
                case FLOAT64 -> Double.longBitsToDouble(u64(what));
                case ARRAY -> array(key, depth);
            };
        }

        private static boolean bool(byte b, long at, String what) {
            if (b != 0 && b != 1) {
                throw new GgufFormatException(at, "bool " + what + " is " + b + " (0 or 1 expected)");
            }
            return b == 1;
        }

        private GgufArray array(String key, int depth) {
            if (depth >= MAX_ARRAY_DEPTH) {
                throw new GgufFormatException(pos, "arrays nested deeper than " + MAX_ARRAY_DEPTH + " in '" + key + "'");
            }
            GgufType elementType = type("array element type of '" + key + "'");
            long count = u64("array length of '" + key + "'");
            requireCount(count, elementType.minEncodedSize(), "array length of '" + key + "'", pos - 8);
            if (count > Integer.MAX_VALUE - 8) {
                throw new GgufFormatException(pos - 8, "array '" + key + "' has " + count + " elements, more than Java arrays hold");
            }
            int n = (int) count;
            return switch (elementType) {
                case STRING, ARRAY -> growingArray(elementType, n, key, depth);
                default -> primitiveArray(elementType, n, key);
            };
        }

        /** Fixed-size elements: the whole array was checked to lie in the file, so it is copied in one go. */
        private GgufArray primitiveArray(GgufType type, int n, String key) {
            Object elements = GgufArray.allocate(type, n);
            switch (type) {
                case UINT8, INT8, BOOL -> MemorySegment.copy(file, ValueLayout.JAVA_BYTE, pos, elements, 0, n);
                case UINT16, INT16 -> MemorySegment.copy(file, I16, pos, elements, 0, n);
                case UINT32, INT32 -> MemorySegment.copy(file, I32, pos, elements, 0, n);
                case UINT64, INT64 -> MemorySegment.copy(file, I64, pos, elements, 0, n);
                case FLOAT32 -> MemorySegment.copy(file, F32, pos, elements, 0, n);
                case FLOAT64 -> MemorySegment.copy(file, F64, pos, elements, 0, n);
                default -> throw new IllegalStateException(type.name());
            }
            if (type == GgufType.BOOL) {
                byte[] b = (byte[]) elements;
                for (int i = 0; i < n; i++) {
                    bool(b[i], pos + i, "element " + i + " of '" + key + "'");
                }
            }
            pos += (long) n * type.size;
            return GgufArray.wrap(type, elements, n);
        }

        /** Variable-size elements: the array grows as they are read, so a false count costs no memory. */
        private GgufArray growingArray(GgufType type, int n, String key, int depth) {
            String what = "'" + key + "'";
            Object[] elements = type == GgufType.STRING ? new String[Math.min(n, INITIAL_CAPACITY)]
                    : new GgufArray[Math.min(n, INITIAL_CAPACITY)];
            for (int i = 0; i < n; i++) {
                if (i == elements.length) {
                    elements = Arrays.copyOf(elements, (int) Math.min(n, 2L * elements.length));
                }
                elements[i] = type == GgufType.STRING ? string(what, i) : array(key, depth + 1);
            }
            return GgufArray.wrap(type, elements, n);
        }

        TensorInfo tensorInfo() {
            long at = pos;
            String name = string("tensor name");
            int rank = u32("rank of tensor '" + name + "'");
            if (rank < 0 || rank > MAX_DIMS) {
                throw new GgufFormatException(pos - 4, "tensor '" + name + "' has rank " + Integer.toUnsignedString(rank)
                        + " (at most " + MAX_DIMS + ")");
            }
            long[] shape = new long[rank];
            long elements = 1;
            for (int d = 0; d < rank; d++) {
                shape[d] = u64("shape of tensor '" + name + "'");
                if (shape[d] < 0) {
                    throw new GgufFormatException(pos - 8, "tensor '" + name + "' dimension " + d + " is "
                            + Long.toUnsignedString(shape[d]));
                }
                try {
                    elements = Math.multiplyExact(elements, shape[d]);
                } catch (ArithmeticException e) {
                    throw new GgufFormatException(pos - 8, "tensor '" + name + "' element count overflows (shape "
                            + Arrays.toString(Arrays.copyOf(shape, d + 1)) + "...)");
                }
            }
            int typeId = u32("type of tensor '" + name + "'");
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw new GgufFormatException(pos - 4, "tensor '" + name + "' has unknown ggml type id "
                        + Integer.toUnsignedString(typeId));
            }
            if (rank > 0 && shape[0] % type.blockSize != 0) {
                throw new GgufFormatException(pos - 4, "tensor '" + name + "' row of " + shape[0]
                        + " values is not a whole number of " + type.ggmlName() + " blocks of " + type.blockSize);
            }
            if (rank == 0 && type.blockSize != 1) {
                throw new GgufFormatException(pos - 4, "tensor '" + name + "' is a scalar of block type " + type.ggmlName());
            }
            long offsetField = pos;
            long offset = u64("data offset of tensor '" + name + "'");
            long bytes;
            try {
                bytes = type.byteSize(elements);
            } catch (ArithmeticException e) {
                throw new GgufFormatException(at, "tensor '" + name + "' byte size overflows");
            }
            return new TensorInfo(name, type, shape, offset, bytes, at, offsetField);
        }
    }
}
