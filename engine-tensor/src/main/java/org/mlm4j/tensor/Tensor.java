package org.mlm4j.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named tensor viewed in place: its type, its shape in ggml order ({@code shape[0]} = ne0, the
 * innermost, contiguous dimension) and the bytes of its data, usually a slice of a memory-mapped
 * GGUF file. A 2-D weight with shape {@code [cols, rows]} is {@code rows} rows of {@code cols}
 * values each, so a linear layer {@code y = W x} has {@code cols = in} and {@code rows = out}.
 */
public record Tensor(String name, GgmlType type, long[] shape, MemorySegment data) {

    public Tensor {
        shape = shape.clone();
        long need = type.byteSize(elementCount(shape));
        if (data.byteSize() != need) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.byteSize() + " bytes of data, "
                    + type.ggmlName() + Arrays.toString(shape) + " needs " + need);
        }
    }

    /** ne[i]; dimensions past the stored rank are 1, as in ggml. */
    public long ne(int i) {
        return i < shape.length ? shape[i] : 1;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long elementCount() {
        return elementCount(shape);
    }

    /** Values per row: ne0. */
    public int cols() {
        return Math.toIntExact(ne(0));
    }

    /** Number of rows: the product of every dimension but ne0. */
    public long rows() {
        return elementCount() / Math.max(1, ne(0));
    }

    public long rowBytes() {
        return type.byteSize(ne(0));
    }

    /** Row {@code r} (of {@link #rows()}) in place. */
    public MemorySegment row(long r) {
        long rb = rowBytes();
        return data.asSlice(Math.multiplyExact(r, rb), rb);
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public String toString() {
        return name + " " + type.ggmlName() + Arrays.toString(shape);
    }
}
