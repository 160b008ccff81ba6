package org.mlm4j.kernels.panama;

import static org.mlm4j.kernels.panama.VectorConstants.B_TO_I;
import static org.mlm4j.kernels.panama.VectorConstants.B_TO_I_PARTS;
import static org.mlm4j.kernels.panama.VectorConstants.F;
import static org.mlm4j.kernels.panama.VectorConstants.I;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.mlm4j.tensor.Blocks;
import org.mlm4j.tensor.LittleEndian;

/**
 * Decode matvec ({@code y = W·x}, one activation row) straight from Q4_0 / Q8_0 blocks: four
 * weight rows per pass share every activation load; each block's quants are widened to int lanes
 * ({@code B2I}), converted to float and multiplied into a per-block partial with FMA (products of
 * small integers and the activation floats), then scaled by the row's block scale into one
 * accumulator per row; one horizontal sum per row at the end.
 *
 * <p>The activations are the floats {@code dX·qX} (exact) under GGML numerics or plain x under
 * FLOAT. Q4_0's −8 offset leaves the vector loop: {@code Σ(q−8)·x = Σq·x − 8·Σx}, with the block
 * sums {@code Σx} precomputed once per call and folded in as one scalar FMA per row and block.
 *
 * <p>Measured (AVX-512, bench/README.md): for Q8_0 under GGML numerics an int8→int16 multiply
 * (B2S, mul, two S2I, add, I2F, FMA per block) was ~8% faster than this float path on an
 * in-cache 2048x2048 matrix, one thread; it is not used yet because it needs the int8
 * activations (so a second kernel for FLOAT numerics). For Q4_0 the integer form (nibbles − 8 times the activation
 * bytes as shorts) measured ~35 % slower than this path. Keeping vectors out of any call C2 might not inline mattered far more (10x and up).
 */
final class MatvecKernels {
    private static final int L = I.length();
    private static final int BL = B_TO_I.length();

    private MatvecKernels() {
    }

    private static ByteVector bytes(MemorySegment w, long at) {
        return ByteVector.fromMemorySegment(B_TO_I, w, at, ByteOrder.LITTLE_ENDIAN);
    }

    private static FloatVector floats(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    private static FloatVector ints(ByteVector b, int part) {
        return floats((IntVector) b.convertShape(VectorOperators.B2I, I, part));
    }

    /**
     * Rows at byte offsets {@code o0..o3}: {@code out[r] = Σ_blocks d_r·Σ q·x} over {@code blocks}
     * Q8_0 blocks, x from {@code x[xo]}.
     */
    static void q8_0Rows4(MemorySegment w, long o0, long o1, long o2, long o3, int blocks, float[] x, int xo,
                          float[] out, float[] lanes, float[] d) {
        scales(w, o0, o1, o2, o3, blocks, Blocks.Q8_0.BYTES, d);
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int i = 0; i < blocks; i++) {
            long b = (long) i * Blocks.Q8_0.BYTES;
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
            for (int g = 0; g < 32; g += BL) {
                long at = b + Blocks.Q8_0.QS + g;
                ByteVector b0 = bytes(w, o0 + at), b1 = bytes(w, o1 + at), b2 = bytes(w, o2 + at), b3 = bytes(w, o3 + at);
                for (int p = 0; p < B_TO_I_PARTS; p++) {
                    FloatVector xv = FloatVector.fromArray(F, x, xo + 32 * i + g + p * L);
                    p0 = ints(b0, p).fma(xv, p0);
                    p1 = ints(b1, p).fma(xv, p1);
                    p2 = ints(b2, p).fma(xv, p2);
                    p3 = ints(b3, p).fma(xv, p3);
                }
            }
            acc0 = p0.fma(FloatVector.broadcast(F, d[4 * i]), acc0);
            acc1 = p1.fma(FloatVector.broadcast(F, d[4 * i + 1]), acc1);
            acc2 = p2.fma(FloatVector.broadcast(F, d[4 * i + 2]), acc2);
            acc3 = p3.fma(FloatVector.broadcast(F, d[4 * i + 3]), acc3);
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, F.length());
        acc2.intoArray(lanes, 2 * F.length());
        acc3.intoArray(lanes, 3 * F.length());
        for (int r = 0; r < 4; r++) {
            out[r] = Lanes.sum(lanes, r * F.length());
        }
    }

    /**
     * As {@link #q8_0Rows4} for two rows of Q4_0 blocks (nibbles 0..15; the −8 enters through
     * {@code blockSums[i] = Σx} over block i). Two rows, not four: with four, C2 runs out of its
     * inlining node budget inside the loop and the vectors get boxed.
     */
    static void q4_0Rows2(MemorySegment w, long o0, long o1, int blocks, float[] x, int xo,
                          float[] blockSums, float[] out, float[] lanes, float[] d) {
        scales(w, o0, o1, o0, o1, blocks, Blocks.Q4_0.BYTES, d);
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        float c0 = 0, c1 = 0;
        for (int i = 0; i < blocks; i++) {
            long b = (long) i * Blocks.Q4_0.BYTES;
            FloatVector p0 = FloatVector.zero(F), p1 = p0;
            for (int g = 0; g < 16; g += BL) {
                long at = b + Blocks.Q4_0.QS + g;
                ByteVector b0 = bytes(w, o0 + at), b1 = bytes(w, o1 + at);
                for (int p = 0; p < B_TO_I_PARTS; p++) {
                    int e = xo + 32 * i + g + p * L;
                    FloatVector xl = FloatVector.fromArray(F, x, e);
                    FloatVector xh = FloatVector.fromArray(F, x, e + 16);
                    IntVector v0 = widenUnsigned(b0, p), v1 = widenUnsigned(b1, p);
                    p0 = floats(v0.and(0xF)).fma(xl, p0);
                    p1 = floats(v1.and(0xF)).fma(xl, p1);
                    p0 = floats(v0.lanewise(VectorOperators.LSHR, 4)).fma(xh, p0);
                    p1 = floats(v1.lanewise(VectorOperators.LSHR, 4)).fma(xh, p1);
                }
            }
            float d0 = d[4 * i], d1 = d[4 * i + 1];
            acc0 = p0.fma(FloatVector.broadcast(F, d0), acc0);
            acc1 = p1.fma(FloatVector.broadcast(F, d1), acc1);
            float s = blockSums[i];
            c0 += d0 * s;
            c1 += d1 * s;
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, F.length());
        out[0] = Lanes.sum(lanes, 0) - 8 * c0;
        out[1] = Lanes.sum(lanes, F.length()) - 8 * c1;
    }

    /**
     * The fp16 block scales (first field of Q4_0 and Q8_0 blocks) of the four rows, interleaved:
     * {@code d[4i + r]}. Read in a scalar pass first, because in the vector loop the segment reads
     * would not be inlined (C2's node budget) and each call would spill every vector register.
     */
    private static void scales(MemorySegment w, long o0, long o1, long o2, long o3, int blocks, int blockBytes,
                               float[] d) {
        for (int i = 0; i < blocks; i++) {
            long b = (long) i * blockBytes;
            d[4 * i] = LittleEndian.f16(w, o0 + b);
            d[4 * i + 1] = LittleEndian.f16(w, o1 + b);
            d[4 * i + 2] = LittleEndian.f16(w, o2 + b);
            d[4 * i + 3] = LittleEndian.f16(w, o3 + b);
        }
    }

    private static IntVector widenUnsigned(ByteVector b, int part) {
        return (IntVector) b.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
    }
}
