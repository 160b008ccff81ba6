package org.mlm4j.kernels;

import java.util.Objects;

/**
 * The keys and values one attention layer reads: for each position, {@code nKvHeads} key heads and
 * value heads of {@code headDim} floats, as llama.cpp's KV cache. Stored as F16 (llama.cpp's
 * default: rounded to nearest even when written) or F32. The {@link AttentionKernels} read it; the
 * element type also selects ggml's attention numerics (F16: the query and the softmax
 * probabilities are rounded to F16 as well).
 *
 * <p>Two kinds: {@link #allocate} owns its storage and is filled by {@link #put} (a decoder's
 * cache; {@link #truncate} rewinds it). It is stored head-major, {@code [head][slot][headDim]},
 * so the attention of one head streams through contiguous memory instead of jumping a whole
 * position row (often a page) per key. {@link #wrap} is a read-only F32 view of rows that already
 * exist (the ViT's K and V straight out of their projections, possibly inside a fused QKV row).
 * Storage is addressed through {@link #keyOffset}/{@link #valueOffset}; {@link #ring} (StreamingLLM's
 * cache: attention sinks plus a sliding window) only changes the position→slot mapping, so the
 * positions stored grow without bound in fixed memory. {@link #linear} stores no rows at all: its
 * running sums stand for every earlier position. Not thread-safe for writes; kernels read it
 * concurrently.
 */
public final class KvBuffer {

    /** Element type of the stored rows. */
    public enum Type { F16, F32 }

    private final Type type;
    private final int nKvHeads;
    private final int headDim;
    private final int capacity;
    private final int positionStride;
    private final int headStride;
    private final boolean owned;
    private final short[] keys16;
    private final short[] values16;
    private final float[] keys32;
    private final float[] values32;
    private final int keysOffset;
    private final int valuesOffset;
    /** Ring buffers: positions below {@code sinks} keep their slot, the rest cycle through {@code ringSize} slots. */
    private final int sinks;
    private final int ringSize;
    private int length;
    /** Positions {@code sinks … oldest − 1} have been overwritten (a ring that wrapped; else 0). */
    private int oldest;
    /** Causal linear attention's running sums over every position before the batch ({@link #linear}), or null. */
    private LinearAttentionState linearState;
    /** A linear cache's batch, positions {@code oldest … length − 1}: the caller's K and V rows, read in place. */
    private float[] batchKeys;
    private float[] batchValues;
    private int batchKeysOffset;
    private int batchValuesOffset;
    private int batchStride;

    private KvBuffer(Type type, int nKvHeads, int headDim, int capacity, int positionStride, int headStride, boolean owned,
                     short[] keys16, short[] values16, float[] keys32, float[] values32,
                     int keysOffset, int valuesOffset, int sinks, int ringSize, int length) {
        this.type = type;
        this.nKvHeads = nKvHeads;
        this.headDim = headDim;
        this.capacity = capacity;
        this.positionStride = positionStride;
        this.headStride = headStride;
        this.owned = owned;
        this.keys16 = keys16;
        this.values16 = values16;
        this.keys32 = keys32;
        this.values32 = values32;
        this.keysOffset = keysOffset;
        this.valuesOffset = valuesOffset;
        this.sinks = sinks;
        this.ringSize = ringSize;
        this.length = length;
    }

    /** An empty buffer for {@code capacity} positions. */
    public static KvBuffer allocate(Type type, int capacity, int nKvHeads, int headDim) {
        return owned(type, capacity, nKvHeads, headDim, 0, 0);
    }

    /**
     * A ring for an unbounded stream of positions in {@code sinks + ringSize} rows: positions
     * {@code 0 … sinks − 1} keep their rows, every later position p overwrites the row of
     * {@code p − ringSize}. With a sliding window W and batches of at most B positions, a ring of
     * {@code W + B − 1} keeps every position the batch's queries see.
     */
    public static KvBuffer ring(Type type, int sinks, int ringSize, int nKvHeads, int headDim) {
        if (sinks < 0 || ringSize <= 0) {
            throw new IllegalArgumentException("kv buffer: ring of " + ringSize + " with " + sinks + " sinks");
        }
        return owned(type, Math.addExact(sinks, ringSize), nKvHeads, headDim, sinks, ringSize);
    }

    /**
     * A causal linear-attention cache that stores no rows: a {@link LinearAttentionState} of
     * {@code features} per KV head holds every earlier position, and {@link #put} only lends it
     * the batch's K and V rows, which the kernel reads (as {@code type} rounds them) and folds into
     * the state. Memory is fixed whatever the position.
     */
    public static KvBuffer linear(Type type, int nKvHeads, int headDim, int features) {
        Objects.requireNonNull(type);
        KvBuffer buffer = new KvBuffer(type, nKvHeads, headDim, 0, 0, 0, true, null, null, null, null, 0, 0, 0, 0, 0);
        buffer.linearState = new LinearAttentionState(nKvHeads, features, headDim);
        return buffer;
    }

    private static KvBuffer owned(Type type, int capacity, int nKvHeads, int headDim, int sinks, int ringSize) {
        Objects.requireNonNull(type);
        if (capacity <= 0 || nKvHeads <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("kv buffer: capacity " + capacity + ", " + nKvHeads
                    + " kv heads of " + headDim);
        }
        int headSize = Math.multiplyExact(capacity, headDim);
        int size = Math.multiplyExact(headSize, nKvHeads);
        return type == Type.F16
                ? new KvBuffer(type, nKvHeads, headDim, capacity, headDim, headSize, true, new short[size], new short[size],
                        null, null, 0, 0, sinks, ringSize, 0)
                : new KvBuffer(type, nKvHeads, headDim, capacity, headDim, headSize, true, null, null,
                        new float[size], new float[size], 0, 0, sinks, ringSize, 0);
    }

    /**
     * A read-only F32 view of {@code length} positions: keys of position p at
     * {@code keys[keysOffset + p·rowStride …]}, values at {@code values[valuesOffset + p·rowStride …]}
     * ({@code rowStride ≥ nKvHeads·headDim}; the arrays may be the same, e.g. a fused QKV buffer).
     */
    public static KvBuffer wrap(float[] keys, int keysOffset, float[] values, int valuesOffset, int rowStride,
                                int length, int nKvHeads, int headDim) {
        int row = Math.multiplyExact(nKvHeads, headDim);
        if (length <= 0 || rowStride < row
                || (long) keysOffset + (long) (length - 1) * rowStride + row > keys.length
                || (long) valuesOffset + (long) (length - 1) * rowStride + row > values.length
                || keysOffset < 0 || valuesOffset < 0) {
            throw new IllegalArgumentException("kv buffer: " + length + " rows of " + row + " at stride " + rowStride
                    + " do not fit the arrays");
        }
        return new KvBuffer(Type.F32, nKvHeads, headDim, length, rowStride, headDim, false, null, null, keys, values,
                keysOffset, valuesOffset, 0, 0, length);
    }

    /**
     * Stores K and V for positions {@code position … position + nTokens − 1} from rows of
     * {@code nKvHeads·headDim} floats at stride {@code stride} in the source arrays (F16: rounded to
     * nearest even). Positions must follow on from {@link #length()} or overwrite earlier ones
     * still stored; afterwards {@code length() ≥ position + nTokens}. A ring takes at most
     * {@code ringSize} positions per call. A {@link #linear} cache keeps only references to the
     * rows, positions following on from {@link #length()}: they must stay unchanged until the
     * attention call that reads them.
     */
    public void put(int position, float[] k, int kOffset, float[] v, int vOffset, int stride, int nTokens) {
        if (!owned) {
            throw new UnsupportedOperationException("kv buffer: a wrapped view is read-only");
        }
        if (linearState != null) {
            lendBatch(position, k, kOffset, v, vOffset, stride, nTokens);
            return;
        }
        boolean fits = isRing() ? nTokens <= ringSize && (position < sinks || position >= oldest)
                : position + nTokens <= capacity;
        if (position < 0 || position > length || nTokens < 0 || !fits) {
            throw new IllegalArgumentException("kv buffer: cannot store positions " + position + ".."
                    + (position + nTokens - 1) + " (length " + length + ", capacity " + capacity + ")");
        }
        for (int t = 0; t < nTokens; t++) {
            for (int head = 0; head < nKvHeads; head++) {
                int src = t * stride + head * headDim;
                int dst = keyOffset(position + t, head);
                if (type == Type.F16) {
                    for (int i = 0; i < headDim; i++) {
                        keys16[dst + i] = Float.floatToFloat16(k[kOffset + src + i]);
                        values16[dst + i] = Float.floatToFloat16(v[vOffset + src + i]);
                    }
                } else {
                    System.arraycopy(k, kOffset + src, keys32, dst, headDim);
                    System.arraycopy(v, vOffset + src, values32, dst, headDim);
                }
            }
        }
        length = Math.max(length, position + nTokens);
        if (isRing()) {
            oldest = Math.max(oldest, position + nTokens - ringSize);
        }
    }

    private void lendBatch(int position, float[] k, int kOffset, float[] v, int vOffset, int stride, int nTokens) {
        long last = (long) (nTokens - 1) * stride + (long) nKvHeads * headDim;
        if (position != length || nTokens < 0 || stride < nKvHeads * headDim || kOffset < 0 || vOffset < 0
                || nTokens > 0 && (kOffset + last > k.length || vOffset + last > v.length)) {
            throw new IllegalArgumentException("kv buffer: a linear cache takes positions following on from " + length
                    + ", got " + nTokens + " at " + position + " (rows of stride " + stride + ")");
        }
        batchKeys = k;
        batchValues = v;
        batchKeysOffset = kOffset;
        batchValuesOffset = vOffset;
        batchStride = stride;
        oldest = position;
        length = position + nTokens;
    }

    /**
     * Forgets every position from {@code newLength} on (a session rewinding its context). Positions
     * a ring overwrote, or a linear state folded in, cannot be rewound into, only all forgotten
     * ({@code newLength} 0).
     */
    public void truncate(int newLength) {
        boolean empty = newLength == 0;
        if (!owned || newLength < 0 || newLength > length
                || !empty && (newLength < oldest || linearState != null && newLength < linearState.folded())) {
            throw new IllegalArgumentException("kv buffer: cannot truncate " + length + " positions to " + newLength);
        }
        length = newLength;
        if (empty) {
            oldest = 0;
            if (linearState != null) {
                linearState.reset();
                batchKeys = null;
                batchValues = null;
            }
        }
    }

    /** The running sums of a {@link #linear} cache, or null. */
    public LinearAttentionState linearState() {
        return linearState;
    }

    public Type type() {
        return type;
    }

    public int nKvHeads() {
        return nKvHeads;
    }

    public int headDim() {
        return headDim;
    }

    /** Rows of storage: the positions a plain buffer can hold; a ring's {@code sinks + ringSize}. */
    public int capacity() {
        return capacity;
    }

    /** Whether this is a {@link #ring}, which stores an unbounded stream of positions. */
    public boolean isRing() {
        return ringSize > 0;
    }

    /** The leading positions a ring never overwrites (0 for a plain buffer). */
    public int sinks() {
        return sinks;
    }

    /** Positions from {@link #sinks()} up to this one (exclusive) are no longer stored: 0 until a ring wraps. */
    public int oldestStored() {
        return oldest;
    }

    /** Bytes of key and value storage and of a linear state (the cache's memory, fixed at allocation). */
    public long storageBytes() {
        long elements = 2L * capacity * nKvHeads * headDim;
        return (type == Type.F16 ? 2 * elements : 4 * elements) + (linearState == null ? 0 : linearState.storageBytes());
    }

    private int slot(int position) {
        if (linearState != null) {
            throw new UnsupportedOperationException("kv buffer: a linear cache stores no rows; read the batch by readKey/readValue");
        }
        return ringSize == 0 || position < sinks ? position : sinks + (position - sinks) % ringSize;
    }

    /** Positions stored: {@code 0 … length − 1} are valid. */
    public int length() {
        return length;
    }

    /** Index of key head {@code head} at {@code position} in {@link #keysF16()} or {@link #keysF32()}. */
    public int keyOffset(int position, int head) {
        return keysOffset + slot(position) * positionStride + head * headStride;
    }

    /** Index of value head {@code head} at {@code position} in {@link #valuesF16()} or {@link #valuesF32()}. */
    public int valueOffset(int position, int head) {
        return valuesOffset + slot(position) * positionStride + head * headStride;
    }

    /** The F16 key storage (kernels only), or null for F32. */
    public short[] keysF16() {
        return keys16;
    }

    /** The F16 value storage (kernels only), or null for F32. */
    public short[] valuesF16() {
        return values16;
    }

    /** The F32 key storage (kernels only), or null for F16. */
    public float[] keysF32() {
        return keys32;
    }

    /** The F32 value storage (kernels only), or null for F16. */
    public float[] valuesF32() {
        return values32;
    }

    /** Key head {@code head} at {@code position} as floats into {@code dst}. */
    public void readKey(int position, int head, float[] dst, int dstOffset) {
        if (linearState != null) {
            readLent(batchKeys, batchKeysOffset, position, head, dst, dstOffset);
            return;
        }
        read(keys16, keys32, keyOffset(position, head), dst, dstOffset);
    }

    /** Value head {@code head} at {@code position} as floats into {@code dst}. */
    public void readValue(int position, int head, float[] dst, int dstOffset) {
        if (linearState != null) {
            readLent(batchValues, batchValuesOffset, position, head, dst, dstOffset);
            return;
        }
        read(values16, values32, valueOffset(position, head), dst, dstOffset);
    }

    /** A row of a {@link #linear} cache's lent batch, rounded as storing it as {@link #type()} would. */
    private void readLent(float[] rows, int offset, int position, int head, float[] dst, int dstOffset) {
        if (position < oldest || position >= length) {
            throw new IllegalArgumentException("kv buffer: position " + position + " is not in the linear cache's batch "
                    + oldest + ".." + (length - 1));
        }
        int src = offset + (position - oldest) * batchStride + head * headDim;
        for (int i = 0; i < headDim; i++) {
            float x = rows[src + i];
            dst[dstOffset + i] = type == Type.F16 ? Float.float16ToFloat(Float.floatToFloat16(x)) : x;
        }
    }

    private void read(short[] f16, float[] f32, int offset, float[] dst, int dstOffset) {
        if (type == Type.F16) {
            for (int i = 0; i < headDim; i++) {
                dst[dstOffset + i] = Float.float16ToFloat(f16[offset + i]);
            }
        } else {
            System.arraycopy(f32, offset, dst, dstOffset, headDim);
        }
    }
}
