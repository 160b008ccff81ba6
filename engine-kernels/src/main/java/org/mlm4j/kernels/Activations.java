package org.mlm4j.kernels;

import org.mlm4j.kernels.MatmulKernels.Numerics;
import java.lang.foreign.MemorySegment;
import org.mlm4j.tensor.Blocks;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.HalfFloats;
import org.mlm4j.tensor.LittleEndian;
import org.mlm4j.tensor.Quantize;

/**
 * A batch of activation rows converted once, before a matmul, to the form the weight type's dot
 * product reads: ggml's {@code vec_dot_type} ({@code ggml-cpu.c: type_traits_cpu[]}) under
 * {@link Numerics#GGML}, plain F32 under {@link Numerics#FLOAT}.
 *
 * <ul>
 *   <li>{@link Format#F32}: the caller's floats, not copied.</li>
 *   <li>{@link Format#F16} / {@link Format#BF16}: each value rounded to fp16 / bf16 (nearest even),
 *       kept as the float it denotes.</li>
 *   <li>{@link Format#Q8_0}: blocks of 32, {@code d = fp16(amax/127)}, {@code q = rint(x·127/amax)}
 *       (round half to even: ggml's AVX {@code quantize_row_q8_0}, which is what runs on x86).</li>
 *   <li>{@link Format#Q8_1}: Q8_0 plus {@code s = fp16(d·Σq)} with the unrounded {@code d}
 *       (ggml's AVX {@code quantize_row_q8_1}); Q4_1 and Q5_1 use it for their offset term.</li>
 *   <li>{@link Format#Q8_K}: blocks of 256, {@code iscale = -127/max} where {@code max} is the
 *       value of largest magnitude, {@code q = min(127, rint(iscale·x))}, {@code d = 1/iscale}
 *       kept in fp32, and {@code bsums}: sums of q over groups of 16 ({@code quantize_row_q8_K_ref},
 *       the tensor module's port).</li>
 * </ul>
 * Row {@code b}'s quants start at {@code b·cols}, its block scales at {@code b·cols/blockSize}.
 */
public final class Activations {

    /** The activation representation a dot product reads. */
    public enum Format {
        F32(1), F16(1), BF16(1), Q8_0(32), Q8_1(32), Q8_K(256);

        /** Values per block (1 for the float formats). */
        public final int blockSize;

        Format(int blockSize) {
            this.blockSize = blockSize;
        }

        public boolean isQuantized() {
            return blockSize > 1;
        }
    }

    /** Elements per Q8_K sum in {@link #bsums()}. */
    public static final int Q8K_GROUP = 16;

    /** 1.5·2^23: added to a float of magnitude below 2^22, leaves it rounded to an integer (ties to even). */
    public static final float ROUND_TO_INTEGER = 12582912f;

    /** Batches at least this large (rows × cols) are converted on the thread pool. */
    private static final int PARALLEL_ELEMENTS = 1 << 16;

    private final Format format;
    private final int cols;
    private final int batch;
    private final float[] values;
    private final int valuesOffset;
    private final byte[] qs;
    private final float[] d;
    private final float[] s;
    private final short[] bsums;
    private float[] dequantized;

    private Activations(Format format, int cols, int batch, float[] values, int valuesOffset) {
        this.format = format;
        this.cols = cols;
        this.batch = batch;
        int blocks = format.isQuantized() ? batch * (cols / format.blockSize) : 0;
        this.values = values;
        this.valuesOffset = valuesOffset;
        this.qs = format.isQuantized() ? new byte[batch * cols] : null;
        this.d = format.isQuantized() ? new float[blocks] : null;
        this.s = format == Format.Q8_1 ? new float[blocks] : null;
        this.bsums = format == Format.Q8_K ? new short[batch * cols / Q8K_GROUP] : null;
    }

    /** The format ggml's dot product for {@code weightType} reads under {@code numerics}. */
    public static Format formatFor(GgmlType weightType, Numerics numerics) {
        if (numerics == Numerics.FLOAT) {
            return Format.F32;
        }
        return switch (weightType) {
            case F32 -> Format.F32;
            case F16 -> Format.F16;
            case BF16 -> Format.BF16;
            case Q4_0, Q5_0, Q8_0 -> Format.Q8_0;
            case Q4_1, Q5_1 -> Format.Q8_1;
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> Format.Q8_K;
            default -> throw new IllegalArgumentException("no matmul for weight type " + weightType.ggmlName());
        };
    }

    /**
     * The per-value conversions. The defaults are the definitions ({@link #quantizeQ8_0Block},
     * {@link #roundToF16}); a vector twin may override them and must give the same bits.
     */
    public interface Converter {
        default void quantizeQ8_0Block(float[] x, int xOffset, byte[] qs, int qOffset, float[] d, float[] s,
                                       int block) {
            Activations.quantizeQ8_0Block(x, xOffset, qs, qOffset, d, s, block);
        }

        default void roundToF16(float[] x, int from, float[] out, int to, int n) {
            Activations.roundToF16(x, from, out, to, n);
        }

        default void quantizeQ8_KBlock(float[] x, int xOffset, byte[] qs, int qOffset, float[] d, short[] bsums,
                                       int block) {
            Activations.quantizeQ8_KBlock(x, xOffset, qs, qOffset, d, bsums, block);
        }
    }

    /** The scalar definitions. */
    public static final Converter SCALAR = new Converter() {
    };

    /**
     * Converts {@code batch} rows of {@code cols} floats at {@code x[offset]} for a product with
     * {@code weightType} weights. {@code x} is read, never written.
     */
    public static Activations of(GgmlType weightType, Numerics numerics, float[] x, int offset, int cols, int batch) {
        return of(weightType, numerics, x, offset, cols, batch, SCALAR);
    }

    /** As {@link #of(GgmlType, Numerics, float[], int, int, int)}, each value through {@code converter}. */
    public static Activations of(GgmlType weightType, Numerics numerics, float[] x, int offset, int cols, int batch,
                                 Converter converter) {
        Format format = formatFor(weightType, numerics);
        if (cols % format.blockSize != 0) {
            throw new IllegalArgumentException(cols + " columns is not a whole number of " + format + " blocks");
        }
        if (format == Format.F32) {
            return new Activations(format, cols, batch, x, offset);
        }
        Activations a = new Activations(format, cols, batch,
                format.isQuantized() ? null : new float[batch * cols], 0);
        Parallel.IntRangeBody convert = (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                a.convertRow(x, offset + b * cols, b, converter);
            }
        };
        if ((long) batch * cols >= PARALLEL_ELEMENTS) {
            Parallel.forRange(batch, 1, convert);
        } else {
            convert.run(0, batch);
        }
        return a;
    }

    private void convertRow(float[] x, int from, int b, Converter converter) {
        int blocks = cols / format.blockSize;
        switch (format) {
            case F16 -> converter.roundToF16(x, from, values, b * cols, cols);
            case BF16 -> {
                for (int i = 0; i < cols; i++) {
                    values[b * cols + i] = HalfFloats.bf16ToF32(HalfFloats.f32ToBf16(x[from + i]));
                }
            }
            case Q8_0, Q8_1 -> {
                for (int i = 0; i < blocks; i++) {
                    converter.quantizeQ8_0Block(x, from + i * 32, qs, b * cols + i * 32, d, s, b * blocks + i);
                }
            }
            case Q8_K -> {
                for (int i = 0; i < blocks; i++) {
                    converter.quantizeQ8_KBlock(x, from + i * Blocks.QK_K, qs, b * cols + i * Blocks.QK_K, d, bsums,
                            b * blocks + i);
                }
            }
            case F32 -> throw new AssertionError("F32 activations are not converted");
        }
    }

    /** {@code out[to + i]} = {@code x[from + i]} rounded to the nearest fp16 value (ties to even), for i < n. */
    public static void roundToF16(float[] x, int from, float[] out, int to, int n) {
        for (int i = 0; i < n; i++) {
            out[to + i] = HalfFloats.roundToF16(x[from + i]);
        }
    }

    /**
     * One Q8_0 block of 32 values, as ggml's AVX {@code quantize_row_q8_0}: quants to
     * {@code qs[qOffset..+32)}, the fp16 scale (as a float) to {@code d[block]}, and when
     * {@code s != null} the Q8_1 sum {@code fp16(d·Σq)} to {@code s[block]}.
     */
    public static void quantizeQ8_0Block(float[] x, int xOffset, byte[] qs, int qOffset, float[] d, float[] s,
                                         int block) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[xOffset + j]));
        }
        float scale = amax / 127f;
        float inverse = amax != 0 ? 127f / amax : 0f;
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            // rint of |v| ≤ 127 as float arithmetic (adding 1.5·2^23 rounds to an integer, half to
            // even): the same value as Math.rint, in a loop C2 vectorizes (rint of a double did not)
            float v = x[xOffset + j] * inverse;
            int q = (int) ((v + ROUND_TO_INTEGER) - ROUND_TO_INTEGER);
            qs[qOffset + j] = (byte) q;
            sum += q;
        }
        d[block] = HalfFloats.roundToF16(scale);
        if (s != null) {
            s[block] = HalfFloats.roundToF16(scale * sum);
        }
    }

    /**
     * One Q8_K block of 256 values through the tensor module's port of {@code quantize_row_q8_K_ref}
     * (ggml has no other Q8_K quantizer): quants to {@code qs[qOffset..+256)}, the fp32 scale to
     * {@code d[block]}, the 16 sums of 16 quants to {@code bsums[16·block..]}.
     */
    public static void quantizeQ8_KBlock(float[] x, int xOffset, byte[] qs, int qOffset, float[] d, short[] bsums,
                                         int block) {
        MemorySegment packed = MemorySegment.ofArray(new byte[Blocks.Q8_K.BYTES]);
        Quantize.row(GgmlType.Q8_K, x, xOffset, Blocks.QK_K, packed, 0);
        d[block] = LittleEndian.f32(packed, Blocks.Q8_K.D);
        MemorySegment.copy(packed, LittleEndian.BYTE, Blocks.Q8_K.QS, qs, qOffset, Blocks.QK_K);
        MemorySegment.copy(packed, LittleEndian.SHORT, Blocks.Q8_K.BSUMS, bsums, 16 * block, 16);
    }

    public Format format() {
        return format;
    }

    public int cols() {
        return cols;
    }

    public int batch() {
        return batch;
    }

    /** Float formats: the (rounded) values, row b at {@link #valuesOffset()} + b·cols. */
    public float[] values() {
        return values;
    }

    public int valuesOffset() {
        return valuesOffset;
    }

    /** Quantized formats: the int8 quants, row b at b·cols. */
    public byte[] qs() {
        return qs;
    }

    /** Quantized formats: the block scales (fp16-rounded for Q8_0/Q8_1, fp32 for Q8_K). */
    public float[] d() {
        return d;
    }

    /** Q8_1: {@code fp16(d·Σq)} per block. */
    public float[] s() {
        return s;
    }

    /** Q8_K: the sums of quants over groups of {@link #Q8K_GROUP}, 16 per block. */
    public short[] bsums() {
        return bsums;
    }

    /**
     * The values the activations stand for, as floats, row b at {@code b·cols} (offset 0) for
     * quantized formats ({@code d·q}, exact for Q8_0/Q8_1 since d has 11 significant bits) and
     * the {@link #values()} otherwise. Computed once, on first use.
     */
    public float[] dequantized() {
        if (!format.isQuantized()) {
            return values;
        }
        if (dequantized == null) {
            float[] out = new float[batch * cols];
            int bs = format.blockSize;
            // block by block: a loop C2 vectorizes (an index division per element kept it scalar)
            for (int b = 0; b < d.length; b++) {
                float scale = d[b];
                for (int i = b * bs; i < (b + 1) * bs; i++) {
                    out[i] = scale * qs[i];
                }
            }
            dequantized = out;
        }
        return dequantized;
    }
}
