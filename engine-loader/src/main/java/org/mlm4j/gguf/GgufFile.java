package org.mlm4j.gguf;

import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (v2 or v3, little-endian) mapped read-only once; every tensor is a zero-copy slice
 * of the mapping. Layout (ggml's gguf.cpp): magic "GGUF", u32 version, u64 tensor count, u64
 * key/value count, the key/values, the tensor infos (name, u32 rank, u64 dims, u32 type, u64
 * offset relative to the data section), then padding to {@code general.alignment} (default 32)
 * and the data section. Every length and offset is checked against the file before use, so a
 * truncated or hostile file fails with a {@link GgufFormatException}, never a wild read or a huge
 * allocation.
 */
public final class GgufFile implements AutoCloseable {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    static final int DEFAULT_ALIGNMENT = 32;

    private final Path path;
    private final Arena arena;
    private final int version;
    private final GgufMetadata metadata;
    private final Map<String, Tensor> tensors;
    private final long dataOffset;
    private final int alignment;
    private final long fileSize;

    private GgufFile(Path path, Arena arena, int version, GgufMetadata metadata, Map<String, Tensor> tensors,
                     long dataOffset, int alignment, long fileSize) {
        this.path = path;
        this.arena = arena;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataOffset = dataOffset;
        this.alignment = alignment;
        this.fileSize = fileSize;
    }

    /** Maps and parses {@code path}. The tensors stay valid until {@link #close()}. */
    public static GgufFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment file = size == 0 ? MemorySegment.NULL.reinterpret(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return parse(path, arena, file);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment file) {
        Reader r = new Reader(file);
        int magic = r.u32("magic");
        if (magic != MAGIC) {
            throw new GgufFormatException(0, "not a GGUF file (magic " + String.format("0x%08x", magic) + ")");
        }
        int version = r.u32("version");
        if (version != 2 && version != 3) {
            if (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3) {
                throw new GgufFormatException(4, "big-endian GGUF files are not supported");
            }
            throw new GgufFormatException(4, "unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 2, 3)");
        }
        long tensorCount = r.u64("tensor count");
        long kvCount = r.u64("key/value count");
        // Each key/value takes at least 12 bytes and each tensor info at least 24: a count that
        // cannot fit in the file is rejected before anything is allocated for it.
        r.requireCount(kvCount, 12, "key/value count");
        Map<String, Object> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = r.pos;
            String key = r.string("key");
            int type = r.u32("value type of '" + key + "'");
            Object value = r.value(type, key, 0);
            if (kv.putIfAbsent(key, value) != null) {
                throw new GgufFormatException(at, "duplicate metadata key '" + key + "'");
            }
        }
        GgufMetadata metadata = new GgufMetadata(kv);
        int alignment = DEFAULT_ALIGNMENT;
        if (metadata.contains("general.alignment")) {
            Object a = kv.get("general.alignment");
            if (!(a instanceof Integer ai) || ai <= 0 || Integer.bitCount(ai) != 1) {
                throw new GgufFormatException(0, "general.alignment must be a power-of-two u32, got " + a);
            }
            alignment = ai;
        }
        r.requireCount(tensorCount, 24, "tensor count");
        List<TensorInfo> infos = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            infos.add(r.tensorInfo());
        }
        long dataOffset = alignUp(r.pos, alignment);
        if (dataOffset > file.byteSize() && !infos.isEmpty()) {
            throw new GgufFormatException(r.pos, "file ends before the tensor data section");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        for (TensorInfo t : infos) {
            if (tensors.containsKey(t.name)) {
                throw new GgufFormatException(t.infoOffset, "duplicate tensor name '" + t.name + "'");
            }
            if (t.offset % alignment != 0) {
                throw new GgufFormatException(t.infoOffset, "tensor '" + t.name + "' data offset " + t.offset
                        + " is not a multiple of the alignment " + alignment);
            }
            long start = dataOffset + t.offset;
            if (t.offset < 0 || start < 0 || start > file.byteSize() || t.bytes > file.byteSize() - start) {
                throw new GgufFormatException(t.infoOffset, "tensor '" + t.name + "' data [" + start + ", +" + t.bytes
                        + ") lies outside the file (" + file.byteSize() + " bytes)");
            }
            ranges.add(new long[] {start, start + t.bytes, t.infoOffset});
            tensors.put(t.name, new Tensor(t.name, t.type, t.shape, file.asSlice(start, t.bytes)));
        }
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int i = 1; i < ranges.size(); i++) {
            if (ranges.get(i)[0] < ranges.get(i - 1)[1]) {
                throw new GgufFormatException(ranges.get(i)[2], "tensor data overlaps the previous tensor's");
            }
        }
        return new GgufFile(path, arena, version, metadata, Collections.unmodifiableMap(tensors), dataOffset,
                alignment, file.byteSize());
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

    private record TensorInfo(String name, GgmlType type, long[] shape, long offset, long bytes, long infoOffset) {
    }

    /** A bounds-checked little-endian cursor over the mapped file. */
    private static final class Reader {
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final int MAX_ARRAY_DEPTH = 8;
        private static final int MAX_DIMS = 4;

        private final MemorySegment file;
        private long pos;

        Reader(MemorySegment file) {
            this.file = file;
        }

        private void need(long bytes, String what) {
            if (bytes < 0 || bytes > file.byteSize() - pos) {
                throw new GgufFormatException(pos, "file ends inside " + what + " (needs " + bytes + " bytes, "
                        + (file.byteSize() - pos) + " left)");
            }
        }

        void requireCount(long count, long minBytesEach, String what) {
            if (count < 0 || count > (file.byteSize() - pos) / minBytesEach) {
                throw new GgufFormatException(pos, what + " " + Long.toUnsignedString(count)
                        + " is larger than the file can hold");
            }
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

        String string(String what) {
            long at = pos;
            long len = u64(what + " length");
            need(len, what);
            if (len > Integer.MAX_VALUE - 8) {
                throw new GgufFormatException(at, what + " length " + len + " is too large");
            }
            byte[] bytes = file.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
            pos += len;
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPLACE)
                        .onUnmappableCharacter(CodingErrorAction.REPLACE)
                        .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new GgufFormatException(at, what + " is not UTF-8");
            }
        }

        Object value(int type, String key, int depth) {
            long at = pos;
            String what = "value of '" + key + "'";
            switch (type) {
                case 0 -> { need(1, what); return (int) Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, pos++)) ; }
                case 1 -> { need(1, what); return (int) file.get(ValueLayout.JAVA_BYTE, pos++); }
                case 2 -> { need(2, what); int v = Short.toUnsignedInt(file.get(I16, pos)); pos += 2; return v; }
                case 3 -> { need(2, what); int v = file.get(I16, pos); pos += 2; return v; }
                case 4 -> { long v = Integer.toUnsignedLong(u32(what)); return v <= Integer.MAX_VALUE ? (Object) (int) v : (Object) v; }
                case 5 -> { return u32(what); }
                case 6 -> { return Float.intBitsToFloat(u32(what)); }
                case 7 -> {
                    need(1, what);
                    byte b = file.get(ValueLayout.JAVA_BYTE, pos++);
                    if (b != 0 && b != 1) {
                        throw new GgufFormatException(at, "bool " + what + " is " + b);
                    }
                    return b == 1;
                }
                case 8 -> { return string(what); }
                case 9 -> {
                    if (depth >= MAX_ARRAY_DEPTH) {
                        throw new GgufFormatException(at, "arrays nested deeper than " + MAX_ARRAY_DEPTH + " in '" + key + "'");
                    }
                    int elemType = u32("array type of '" + key + "'");
                    long count = u64("array length of '" + key + "'");
                    requireCount(count, minBytes(elemType, at, key), "array length of '" + key + "'");
                    List<Object> list = new ArrayList<>((int) Math.min(count, 1 << 20));
                    for (long i = 0; i < count; i++) {
                        list.add(value(elemType, key, depth + 1));
                    }
                    return Collections.unmodifiableList(list);
                }
                case 10 -> { return u64(what); }
                case 11 -> { return u64(what); }
                case 12 -> { return Double.longBitsToDouble(u64(what)); }
                default -> throw new GgufFormatException(at - 4, "unknown value type " + type + " for '" + key + "'");
            }
        }

        private static long minBytes(int type, long at, String key) {
            return switch (type) {
                case 0, 1, 7 -> 1;
                case 2, 3 -> 2;
                case 4, 5, 6 -> 4;
                case 8, 10, 11, 12 -> 8;
                case 9 -> 12;
                default -> throw new GgufFormatException(at, "unknown array element type " + type + " for '" + key + "'");
            };
        }

        TensorInfo tensorInfo() {
            long at = pos;
            String name = string("tensor name");
            int rank = u32("rank of tensor '" + name + "'");
            if (rank < 1 || rank > MAX_DIMS) {
                throw new GgufFormatException(at, "tensor '" + name + "' has rank " + Integer.toUnsignedString(rank)
                        + " (1.." + MAX_DIMS + " supported)");
            }
            long[] shape = new long[rank];
            long elements = 1;
            for (int d = 0; d < rank; d++) {
                shape[d] = u64("shape of tensor '" + name + "'");
                if (shape[d] <= 0) {
                    throw new GgufFormatException(at, "tensor '" + name + "' has dimension " + d + " = "
                            + Long.toUnsignedString(shape[d]));
                }
                try {
                    elements = Math.multiplyExact(elements, shape[d]);
                } catch (ArithmeticException e) {
                    throw new GgufFormatException(at, "tensor '" + name + "' shape product overflows");
                }
            }
            int typeId = u32("type of tensor '" + name + "'");
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw new GgufFormatException(at, "tensor '" + name + "' has unknown type id " + Integer.toUnsignedString(typeId));
            }
            if (shape[0] % type.blockSize != 0) {
                throw new GgufFormatException(at, "tensor '" + name + "' row of " + shape[0]
                        + " is not a whole number of " + type.ggmlName() + " blocks");
            }
            long offset = u64("data offset of tensor '" + name + "'");
            long bytes;
            try {
                bytes = type.byteSize(elements);
            } catch (ArithmeticException e) {
                throw new GgufFormatException(at, "tensor '" + name + "' byte size overflows");
            }
            return new TensorInfo(name, type, shape, offset, bytes, at);
        }
    }
}
