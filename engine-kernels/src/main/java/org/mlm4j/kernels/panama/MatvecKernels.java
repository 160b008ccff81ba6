package org.mlm4j.kernels.panama;

import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.NE;
import static jdk.incubator.vector.VectorOperators.ZERO_EXTEND_B2I;
import static org.mlm4j.kernels.panama.VectorConstants.B_TO_I;
import static org.mlm4j.kernels.panama.VectorConstants.B_TO_I_PARTS;
import static org.mlm4j.kernels.panama.VectorConstants.F;
import static org.mlm4j.kernels.panama.VectorConstants.I;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.mlm4j.tensor.Blocks;
import org.mlm4j.tensor.LittleEndian;

/**
 * Decode matvec ({@code y = W·x}, one activation row) straight from Q4_0 / Q8_0 / Q2_K-Q6_K
 * blocks: two weight rows per pass share every activation load (Q2_K, Q3_K: one); each block's
 * quants are converted to floats (Q8_0's bytes directly, {@code B2F}; Q4_0's bytes whole and their
 * high nibbles, after widening to int lanes; Q4_K's nibbles masked there; Q6_K's and Q3_K's bit
 * fields put together in the bytes, then {@code B2F}) and multiplied into a per-block partial with
 * FMA (products of small integers and the activation floats), then scaled by the row's block scale
 * into one accumulator per row; one horizontal sum per row at the end.
 *
 * <p>The activations are the floats {@code dX·qX} (exact) under GGML numerics or plain x under
 * FLOAT. Q4_0's −8 offset leaves the vector loop: {@code Σ(q−8)·x = Σq·x − 8·Σx}, and each block's
 * partial sums start from a vector whose lanes add up to {@code −8·Σx} ({@link #q4_0Offsets},
 * one broadcast per block; as a scalar sum inside the loop its 4-cycle add chain cost a quarter of it).
 *
 * <p>Q4_0 and Q8_0 block scales are converted from fp16 where they are used. The caller reads the
 * cache lines of each row pair in one burst just before ({@link LinesAhead}): earlier versions
 * copied the next tile's scales inside this loop to touch its lines early, which stalled the loop
 * on lines that the burst then made redundant (bench/README.md, fourth session).
 *
 * <p>Measured (AVX-512, bench/README.md): for Q8_0 under GGML numerics an int8→int16 multiply
 * (B2S, mul, two S2I, add, I2F, FMA per block) was ~8% faster than this float path on an
 * in-cache 2048x2048 matrix, one thread; it is not used yet because it needs the int8
 * activations (so a second kernel for FLOAT numerics). For Q4_0 the integer form (nibbles − 8 times the activation
 * bytes as shorts) measured ~35 % slower than this path. Keeping vectors out of any call C2 might
 * not inline mattered far more (10x and up).
 *
 * <p>The loops call the Vector API directly, through no helper of ours: the API's methods are
 * always inlined ({@code @ForceInline}), ours only within C2's node budget, which the 128-bit
 * conversions exhaust; a helper left out of line boxes its vectors (0.4 instead of 6 GB/s).
 */
final class MatvecKernels {
    private static final int L = I.length();
    private static final int BL = B_TO_I.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private MatvecKernels() {
    }

    /**
     * The two rows {@code rows[first]}, {@code rows[first + 1]} of Q8_0 blocks:
     * {@code out[first + r] = Σ_blocks d_r·Σ q·x}, x from {@code x[xo]}, each block's fp16 scale
     * read and converted where it is used: a separate pass over the scales (or copying the next
     * rows' scales in this loop) cost more than the conversion, and its reads of lines the
     * {@link LinesAhead} burst had not brought in yet stalled the loop (bench/README.md). Two rows
     * per pass, not four: at 128 and 256 bits four rows ran 2-3x slower (C2's inlining budget), at
     * 512 bits the same.
     */
    static void q8_0Rows2(MemorySegment w, long[] rows, int first, int blocks, float[] x, int xo, float[] out,
                          float[] lanes) {
        long o0 = rows[first], o1 = rows[first + 1];
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int i = 0; i < blocks; i++) {
            long b = (long) i * Blocks.Q8_0.BYTES;
            FloatVector p0 = FloatVector.zero(F), p1 = p0;
            for (int g = 0; g < 32; g += BL) {
                long at = b + Blocks.Q8_0.QS + g;
                ByteVector b0 = ByteVector.fromMemorySegment(B_TO_I, w, o0 + at, LE);
                ByteVector b1 = ByteVector.fromMemorySegment(B_TO_I, w, o1 + at, LE);
                for (int p = 0; p < B_TO_I_PARTS; p++) {
                    FloatVector xv = FloatVector.fromArray(F, x, xo + 32 * i + g + p * L);
                    p0 = ((FloatVector) b0.convertShape(B2F, F, p)).fma(xv, p0);
                    p1 = ((FloatVector) b1.convertShape(B2F, F, p)).fma(xv, p1);
                }
            }
            float d0 = Float.float16ToFloat(w.get(LittleEndian.SHORT, o0 + b));
            float d1 = Float.float16ToFloat(w.get(LittleEndian.SHORT, o1 + b));
            acc0 = p0.fma(FloatVector.broadcast(F, d0), acc0);
            acc1 = p1.fma(FloatVector.broadcast(F, d1), acc1);
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, F.length());
        out[first] = Lanes.sum(lanes, 0);
        out[first + 1] = Lanes.sum(lanes, F.length());
    }

    /**
     * As {@link #q8_0Rows2} for the two rows {@code rows[first]}, {@code rows[first + 1]} of Q4_0
     * blocks, with the activations as {@link #q4_0Activations} rearranges them. The nibbles are
     * taken as 0..15 and each block's partial sums start from {@code offsets[i]} in every lane
     * ({@link #q4_0Offsets}), which add up to {@code −8·Σx} over the block: that is the −8 of
     * every quant, at the cost of one broadcast per block. Each quant byte {@code v = lo + 16·hi} is
     * converted whole, not its low nibble: {@code lo·x + hi·x' = v·x + hi·(x' − 16·x)}, which saves
     * masking the low nibble (5632x2048 in L3, one thread: 8.6 → 9.3 GB/s at 512 bits, 7.1 → 7.8 at
     * 256, 3.4 → 3.6 at 128). The price is terms up to 16 times larger in the float sums, so
     * rounding errors up to 16 times larger, still within the twin tests' bound for every kernel
     * (2e-6 of {@code Σ|w·x|}). Two rows, not four: with four, C2 runs out of its inlining node
     * budget inside the loop and the vectors get boxed.
     */
    static void q4_0Rows2(MemorySegment w, long[] rows, int first, int blocks, float[] x, float[] offsets,
                          float[] out, float[] lanes) {
        long o0 = rows[first], o1 = rows[first + 1];
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int i = 0; i < blocks; i++) {
            long b = (long) i * Blocks.Q4_0.BYTES;
            FloatVector p0 = FloatVector.broadcast(F, offsets[i]), p1 = p0;
            for (int g = 0; g < 16; g += BL) {
                long at = b + Blocks.Q4_0.QS + g;
                ByteVector b0 = ByteVector.fromMemorySegment(B_TO_I, w, o0 + at, LE);
                ByteVector b1 = ByteVector.fromMemorySegment(B_TO_I, w, o1 + at, LE);
                for (int p = 0; p < B_TO_I_PARTS; p++) {
                    int e = 32 * i + g + p * L;
                    FloatVector xl = FloatVector.fromArray(F, x, e);
                    FloatVector xh = FloatVector.fromArray(F, x, e + 16);
                    IntVector v0 = (IntVector) b0.convertShape(ZERO_EXTEND_B2I, I, p);
                    IntVector v1 = (IntVector) b1.convertShape(ZERO_EXTEND_B2I, I, p);
                    p0 = ((FloatVector) v0.convert(I2F, 0)).fma(xl, p0);
                    p1 = ((FloatVector) v1.convert(I2F, 0)).fma(xl, p1);
                    p0 = ((FloatVector) v0.lanewise(LSHR, 4).convert(I2F, 0)).fma(xh, p0);
                    p1 = ((FloatVector) v1.lanewise(LSHR, 4).convert(I2F, 0)).fma(xh, p1);
                }
            }
            float d0 = Float.float16ToFloat(w.get(LittleEndian.SHORT, o0 + b));
            float d1 = Float.float16ToFloat(w.get(LittleEndian.SHORT, o1 + b));
            acc0 = p0.fma(FloatVector.broadcast(F, d0), acc0);
            acc1 = p1.fma(FloatVector.broadcast(F, d1), acc1);
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, F.length());
        out[first] = Lanes.sum(lanes, 0);
        out[first + 1] = Lanes.sum(lanes, F.length());
    }

    /**
     * Where {@link #q4_0Rows2} starts each block's partial sums: one float per block of 32
     * activations, {@code −8·Σx / L}, so that the L lanes add up to {@code −8·Σx} (exact under GGML
     * numerics: L is a power of two). One float, not a vector per block (a vector of lane sums
     * was the first form): the activations a decode pass reads for every row pair must stay in L1
     * beside the weight lines read ahead (2048x2560 Q4_0 from memory, one thread: 6.7-6.9 → 9.1
     * GB/s; bench/README.md, ninth session).
     */
    static float[] q4_0Offsets(float[] x, int xo, int cols) {
        int blocks = cols / 32;
        float[] offsets = new float[blocks];
        for (int i = 0; i < blocks; i++) {
            float sum = 0;
            for (int k = 0; k < 32; k++) {
                sum += x[xo + 32 * i + k];
            }
            offsets[i] = -8 * sum / L;
        }
        return offsets;
    }

    /**
     * The activations as {@link #q4_0Rows2} takes them: per block of 32, the 16 that meet the low
     * nibbles unchanged, then for each of the other 16 {@code x[k + 16] − 16·x[k]}. Under GGML
     * numerics both are multiples of the block's scale by integers below 2^12, so exact.
     */
    static float[] q4_0Activations(float[] x, int xo, int cols) {
        float[] rearranged = new float[cols];
        for (int b = 0; b < cols; b += 32) {
            for (int k = 0; k < 16; k++) {
                float low = x[xo + b + k];
                rearranged[b + k] = low;
                rearranged[b + k + 16] = x[xo + b + k + 16] - 16 * low;
            }
        }
        return rearranged;
    }

    /**
     * Q4_K's loads: 16 bytes at every width. At 256 bits the 8-byte loads of {@link VectorConstants#B_TO_I}
     * (best for Q4_0 and Q8_0: 7.1 vs 6.5 and 12.7 vs 10.7 GB/s) made this kernel a third slower
     * than 16-byte ones widened in two parts (3.9 vs 5.1 GB/s, 2048x2048 in L3, one thread).
     */
    private static final VectorSpecies<Byte> Q4_K_LOAD = ByteVector.SPECIES_128;
    /** The same 16 bytes as int lanes, for the kernels that put values together in the bytes (Q5_K, Q3_K). */
    private static final VectorSpecies<Integer> Q4_K_LOAD_INTS = Q4_K_LOAD.withLanes(int.class);
    /** In every byte of an int: its low nibble; its bit 4 (where a Q5_K value's fifth bit goes). */
    private static final int LOW4 = 0x0F0F0F0F, BIT4 = 0x10101010;

    /**
     * Two rows of Q4_K (or Q5_K) at byte offsets {@code o0}, {@code o1}: {@code out[at + r] = Σ_blocks Σ_j
     * d·sc_j·Σ q·x + offset_r}, with x from {@code x[xo]}, {@code d·sc_j} from the rows' unpacked
     * {@code factors} ({@link #subBlockFactors}, row r from {@code r·16·blocks}) and
     * {@code offset_r = Σ −dmin·m_j·groupSums[j]} as it returns it. The nibbles go through the same
     * float path as Q4_0's: sub-blocks 2j and 2j+1 are the low and high nibbles of the same 32 bytes.
     * Q5_K ({@code fifthBits}): the same block header, so the same {@code factors} and offsets;
     * each quant has a fifth bit, bit {@code s} of {@code qh[l]} for value l of sub-block s, added
     * as 16 before the conversion. Q5_K's values are put together in the loaded bytes before the
     * widening, Q4_K's nibbles after it, each the faster form for its type (2048x2048 in L3, one
     * thread, GB/s at 512 / 256 / 128 bits: Q5_K 5.8 / 4.6 / 2.1 with the fifth bits added in int
     * lanes, 6.0 / 4.9 / 3.1 in bytes; Q4_K 7.2 / 5.4 / 3.1 in int lanes, 7.0 / 5.0 / 2.8 in bytes).
     * The unpacking stays out of this method (inlined here, its segment reads pushed C2 past its node
     * budget: 0.8 vs 4.3 GB/s).
     */
    static void kQuantRows2(MemorySegment w, long o0, long o1, int blocks, boolean fifthBits, float[] x, int xo,
                            float[] factors, float offset0, float offset1, float[] out, int at, float[] lanes) {
        int row1 = 16 * blocks;
        int blockBytes = fifthBits ? Blocks.Q5_K.BYTES : Blocks.Q4_K.BYTES;
        int quants = fifthBits ? Blocks.Q5_K.QS : Blocks.Q4_K.QS;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        // pair j of block i: the 32 bytes holding sub-blocks 2j (low nibbles, Q5_K: bit 2j of qh) and
        // 2j+1 (high, bit 2j+1)
        for (int pair = 0; pair < 4 * blocks; pair++) {
            long block = (long) (pair >> 2) * blockBytes;
            long q = block + quants + 32 * (pair & 3);
            long h = block + Blocks.Q5_K.QH;
            int lowBit = 2 * (pair & 3);
            int e0 = xo + 64 * pair;
            FloatVector lo0 = FloatVector.zero(F), hi0 = lo0, lo1 = lo0, hi1 = lo0;
            for (int g = 0; g < 32; g += 16) {
                if (fifthBits) {
                    // Q5_K: the 5-bit values put together in the loaded bytes, four to an int lane
                    // (bit 2j of qh to bit 4 of the low nibble's byte, bit 2j + 1 to the high one's:
                    // shifted right first, so that no byte's bit leaves the int), then widened from
                    // bytes, as Q6_K's
                    IntVector b0 = IntVector.fromMemorySegment(Q4_K_LOAD_INTS, w, o0 + q + g, LE);
                    IntVector b1 = IntVector.fromMemorySegment(Q4_K_LOAD_INTS, w, o1 + q + g, LE);
                    IntVector c0 = IntVector.fromMemorySegment(Q4_K_LOAD_INTS, w, o0 + h + g, LE);
                    IntVector c1 = IntVector.fromMemorySegment(Q4_K_LOAD_INTS, w, o1 + h + g, LE);
                    ByteVector low0 = b0.and(LOW4).or(c0.lanewise(LSHR, lowBit).lanewise(LSHL, 4).and(BIT4))
                            .reinterpretAsBytes();
                    ByteVector low1 = b1.and(LOW4).or(c1.lanewise(LSHR, lowBit).lanewise(LSHL, 4).and(BIT4))
                            .reinterpretAsBytes();
                    ByteVector high0 = b0.lanewise(LSHR, 4).and(LOW4)
                            .or(c0.lanewise(LSHR, lowBit + 1).lanewise(LSHL, 4).and(BIT4)).reinterpretAsBytes();
                    ByteVector high1 = b1.lanewise(LSHR, 4).and(LOW4)
                            .or(c1.lanewise(LSHR, lowBit + 1).lanewise(LSHL, 4).and(BIT4)).reinterpretAsBytes();
                    for (int p = 0; p < 16 / L; p++) {
                        int e = e0 + g + p * L;
                        FloatVector xl = FloatVector.fromArray(F, x, e);
                        FloatVector xh = FloatVector.fromArray(F, x, e + 32);
                        lo0 = ((FloatVector) low0.convertShape(B2F, F, p)).fma(xl, lo0);
                        lo1 = ((FloatVector) low1.convertShape(B2F, F, p)).fma(xl, lo1);
                        hi0 = ((FloatVector) high0.convertShape(B2F, F, p)).fma(xh, hi0);
                        hi1 = ((FloatVector) high1.convertShape(B2F, F, p)).fma(xh, hi1);
                    }
                    continue;
                }
                // Q4_K: the nibbles masked and shifted in int lanes after widening
                ByteVector b0 = ByteVector.fromMemorySegment(Q4_K_LOAD, w, o0 + q + g, LE);
                ByteVector b1 = ByteVector.fromMemorySegment(Q4_K_LOAD, w, o1 + q + g, LE);
                for (int p = 0; p < 16 / L; p++) {
                    int e = e0 + g + p * L;
                    FloatVector xl = FloatVector.fromArray(F, x, e);
                    FloatVector xh = FloatVector.fromArray(F, x, e + 32);
                    IntVector v0 = (IntVector) b0.convertShape(ZERO_EXTEND_B2I, I, p);
                    IntVector v1 = (IntVector) b1.convertShape(ZERO_EXTEND_B2I, I, p);
                    lo0 = ((FloatVector) v0.and(0xF).convert(I2F, 0)).fma(xl, lo0);
                    lo1 = ((FloatVector) v1.and(0xF).convert(I2F, 0)).fma(xl, lo1);
                    hi0 = ((FloatVector) v0.lanewise(LSHR, 4).convert(I2F, 0)).fma(xh, hi0);
                    hi1 = ((FloatVector) v1.lanewise(LSHR, 4).convert(I2F, 0)).fma(xh, hi1);
                }
            }
            int f = 16 * (pair >> 2) + lowBit;
            acc0 = lo0.fma(FloatVector.broadcast(F, factors[f]), acc0);
            acc0 = hi0.fma(FloatVector.broadcast(F, factors[f + 1]), acc0);
            acc1 = lo1.fma(FloatVector.broadcast(F, factors[row1 + f]), acc1);
            acc1 = hi1.fma(FloatVector.broadcast(F, factors[row1 + f + 1]), acc1);
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, F.length());
        out[at] = Lanes.sum(lanes, 0) + offset0;
        out[at + 1] = Lanes.sum(lanes, F.length()) + offset1;
    }

    /**
     * The sub-block factors of the Q4_K / Q5_K row at byte offset {@code row} (blocks
     * {@code blockBytes} long), as row r (0 or 1) of a pair, from the blocks' first 16 bytes (d, dmin,
     * the 12 packed scales): for block i, {@code factors[r·16·blocks + 16i + j] = d·sc_j} and
     * {@code [... + 8 + j] = −dmin·m_j} (j &lt; 8); returns the row's offset
     * {@code Σ −dmin·m_j·groupSums[j]}, with the group sums laid out as {@link #q4_KMinSums} gives
     * them. The headers are read from the weights, whose lines the caller's burst has just brought
     * in: copied by the kernel ahead of time instead (one long per pass into an array read here),
     * Q4_K decode ran 7 % slower (2048x2048 in L3, one thread: 6.8 vs 7.3 GB/s).
     *
     * <p>With the packed bytes 4-7, 8-11, 12-15 of a header as ints {@code a, b, c}, sub-block
     * t &lt; 4 has scale {@code a[t] & 63} and min {@code b[t] & 63}; sub-block 4 + t has scale
     * {@code c[t] & 15 | (a[t] >> 6) << 4} and min {@code c[t] >> 4 | (b[t] >> 6) << 4}
     * ({@link Blocks.Q4_K#scale}, {@link Blocks.Q4_K#min}): computed for the 16 bytes of a header at
     * once in one byte vector, two byte shuffles putting each value's low and high bits in its lane,
     * then the 8 scales and 8 mins widened to floats. Byte by byte in scalar code this unpacking took
     * as long as the kernel on an MobileLLaMA-1.4B Q4_K_M decode (bench/README.md, fourth session);
     * four bytes at a time in ints ({@link Blocks.Q4_K#fourLow}, as ggml's AVX2 {@code kmask1..3})
     * and put in a vector by {@code withLane}, a quarter of this kernel's time, 2.5 / 5 / 1 % more
     * than the shuffles at 512 / 256 / 128 bits (bench/README.md, eighth session).
     */
    static float subBlockFactors(MemorySegment w, long row, int blockBytes, int r, int blocks, float[] minSums,
                                 float[] factors, float[] lanes) {
        FloatVector offset = FloatVector.zero(F);
        for (int i = 0; i < blocks; i++) {
            long header = row + (long) i * blockBytes;
            ByteVector bytes = ByteVector.fromMemorySegment(Q4_K_LOAD, w, header, LE);
            // each scale's and min's low bits brought to its lane (the high nibble for mins 4-7),
            // then the bytes holding the two high bits of scales and mins 4-7
            ByteVector low = bytes.rearrange(FACTOR_LOW_BYTES);
            ByteVector packed = low.blend(low.lanewise(LSHR, 4), MINS_4_TO_7).and(FACTOR_LOW_MASK)
                    .or(bytes.rearrange(FACTOR_HIGH_BYTES).lanewise(LSHR, 2).and(FACTOR_HIGH_MASK));
            int dd = w.get(LittleEndian.INT, header);
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat((short) dd));
            FloatVector dmin = FloatVector.broadcast(F, -Float.float16ToFloat((short) (dd >>> 16)));
            for (int p = 0; p < 16 / L; p++) {
                int at = 16 * i + p * L;
                VectorMask<Float> minLanes = FloatVector.fromArray(F, MIN_LANES, p * L).compare(NE, 0);
                FloatVector v = ((FloatVector) packed.convertShape(B2F, F, p)).mul(d.blend(dmin, minLanes));
                v.intoArray(factors, r * 16 * blocks + at);
                offset = v.fma(FloatVector.fromArray(F, minSums, at), offset);
            }
        }
        offset.intoArray(lanes, 0);
        return Lanes.sum(lanes, 0);
    }

    /** Of the 16 floats {@link #subBlockFactors} writes per block, 1 where a min is, 0 where a scale. */
    private static final float[] MIN_LANES = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1};
    /**
     * For {@link #subBlockFactors}, lane by lane (scales 0-3, scales 4-7, mins 0-3, mins 4-7): the
     * header byte with the value's low bits (a, c, b, c), the one with its two high bits (none, a,
     * none, b), and the masks that keep them.
     */
    private static final VectorShuffle<Byte> FACTOR_LOW_BYTES = VectorShuffle.fromValues(Q4_K_LOAD,
            4, 5, 6, 7, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
    private static final VectorShuffle<Byte> FACTOR_HIGH_BYTES = VectorShuffle.fromValues(Q4_K_LOAD,
            4, 5, 6, 7, 4, 5, 6, 7, 8, 9, 10, 11, 8, 9, 10, 11);
    private static final VectorMask<Byte> MINS_4_TO_7 = VectorMask.fromLong(Q4_K_LOAD, 0xF000L);
    private static final ByteVector FACTOR_LOW_MASK = ByteVector.fromArray(Q4_K_LOAD,
            new byte[] {63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 15, 15, 15, 15}, 0);
    private static final ByteVector FACTOR_HIGH_MASK = ByteVector.fromArray(Q4_K_LOAD,
            new byte[] {0, 0, 0, 0, 48, 48, 48, 48, 0, 0, 0, 0, 48, 48, 48, 48}, 0);

    /**
     * The activation's sums per 32-element sub-block ({@code groupSums}) as {@link #subBlockFactors}
     * meets them: 16 floats per block, zeros beside the scales, the 8 sums beside the mins.
     */
    static float[] q4_KMinSums(float[] groupSums, int blocks) {
        float[] sums = new float[16 * blocks];
        for (int i = 0; i < blocks; i++) {
            System.arraycopy(groupSums, 8 * i, sums, 16 * i + 8, 8);
        }
        return sums;
    }

    /** {@link VectorConstants#B_TO_I}'s bytes as int lanes: Q6_K's quants, shifted a whole int at a time. */
    private static final VectorSpecies<Integer> Q6_K_LOAD = B_TO_I.withLanes(int.class);
    /** In every byte of an int: bits 4-5, where a Q6_K value's high bit pair goes. */
    private static final int HIGH2 = 0x30303030;

    /**
     * Two rows of Q6_K at byte offsets {@code o0}, {@code o1}: {@code Σ_blocks Σ_g d·sc_g·Σ (q − 32)·x}
     * without the −32 (the caller adds {@code −32·Σ_g d·sc_g·groupSums[g]} over the 16-element
     * groups), with {@code scales0[16i + g]}, {@code scales1[16i + g] = d·sc_g} from
     * {@link #groupScales}; the lane sums go to {@code lanes[0..F.length())} and
     * {@code [F.length()..2·F.length())}. Layout (ggml's {@code dequantize_row_q6_K}): in half n of a
     * block, for l < 32, values l, l+32, l+64, l+96 are the low nibbles of {@code ql[64n + l]} and
     * {@code ql[64n + l + 32]}, then their high nibbles, each with bit pair 0-1, 2-3, 4-5, 6-7 of
     * {@code qh[32n + l]} on top; each run of 16 values has one scale.
     *
     * <p>The 6-bit values are put together in the loaded bytes and only then widened to floats: a
     * byte operation works on a quarter (at 512 bits) of the register an int-lane one does. Against
     * widening the three byte vectors first and assembling in int lanes, one row at a time, 2048x2048
     * in L3, one thread: 5.9 → 6.6 GB/s at 512 bits, 2.5 → 3.0 at 128, 4.8 → 4.7 at 256; two rows
     * sharing the activation loads then took it to 6.9, 3.6 and 5.4 GB/s.
     *
     * <p>The bytes are loaded as int lanes ({@link #Q6_K_LOAD}) and seen as bytes once, for the
     * widening. Loaded as bytes and reinterpreted as ints for each shift and back, the kernel
     * depended on how C2 inlined the Vector API's reinterpret calls, virtual calls whose profiles
     * every kernel shares: after the other kernels of {@code bench kernels --quick} had run, its
     * compile left FMAs to the Java fallback in 4 runs of 5 (4.8-5.7 instead of 6.9 GB/s); with
     * int loads, in 1 of 13, and as fast in L3 (8.7 → 8.8 GB/s at 512 bits, 6.4 → 6.5 at 256, 4.1
     * at 128).
     */
    static void q6_KRows2(MemorySegment w, long o0, long o1, int blocks, float[] x, int xo, float[] scales0,
                          float[] scales1, float[] lanes) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        // group of 16 values l0..l0+15 in half n of block i: its 4 runs (quarters k) share the loads
        for (int run = 0; run < 4 * blocks; run++) {
            int i = run >> 2, n = (run >> 1) & 1, l0 = 16 * (run & 1);
            long ql = (long) i * Blocks.Q6_K.BYTES + Blocks.Q6_K.QL + 64 * n + l0;
            long qh = (long) i * Blocks.Q6_K.BYTES + Blocks.Q6_K.QH + 32 * n + l0;
            int e0 = xo + 256 * i + 128 * n + l0;
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0, r0 = p0, r1 = p0, r2 = p0, r3 = p0;
            for (int g = 0; g < 16; g += BL) {
                // row 0's low and high quant bytes a, b, h and row 1's c, d, k, four to an int lane;
                // shifted as ints, what crosses into a neighbour byte masked off
                IntVector a = IntVector.fromMemorySegment(Q6_K_LOAD, w, o0 + ql + g, LE);
                IntVector b = IntVector.fromMemorySegment(Q6_K_LOAD, w, o0 + ql + 32 + g, LE);
                IntVector h = IntVector.fromMemorySegment(Q6_K_LOAD, w, o0 + qh + g, LE);
                IntVector c = IntVector.fromMemorySegment(Q6_K_LOAD, w, o1 + ql + g, LE);
                IntVector d = IntVector.fromMemorySegment(Q6_K_LOAD, w, o1 + ql + 32 + g, LE);
                IntVector k = IntVector.fromMemorySegment(Q6_K_LOAD, w, o1 + qh + g, LE);
                ByteVector q0 = a.and(LOW4).or(h.lanewise(LSHL, 4).and(HIGH2)).reinterpretAsBytes();
                ByteVector q1 = b.and(LOW4).or(h.lanewise(LSHL, 2).and(HIGH2)).reinterpretAsBytes();
                ByteVector q2 = a.lanewise(LSHR, 4).and(LOW4).or(h.and(HIGH2)).reinterpretAsBytes();
                ByteVector q3 = b.lanewise(LSHR, 4).and(LOW4).or(h.lanewise(LSHR, 2).and(HIGH2)).reinterpretAsBytes();
                ByteVector s0 = c.and(LOW4).or(k.lanewise(LSHL, 4).and(HIGH2)).reinterpretAsBytes();
                ByteVector s1 = d.and(LOW4).or(k.lanewise(LSHL, 2).and(HIGH2)).reinterpretAsBytes();
                ByteVector s2 = c.lanewise(LSHR, 4).and(LOW4).or(k.and(HIGH2)).reinterpretAsBytes();
                ByteVector s3 = d.lanewise(LSHR, 4).and(LOW4).or(k.lanewise(LSHR, 2).and(HIGH2)).reinterpretAsBytes();
                for (int p = 0; p < B_TO_I_PARTS; p++) {
                    int e = e0 + g + p * L;
                    FloatVector x0 = FloatVector.fromArray(F, x, e), x1 = FloatVector.fromArray(F, x, e + 32);
                    FloatVector x2 = FloatVector.fromArray(F, x, e + 64), x3 = FloatVector.fromArray(F, x, e + 96);
                    p0 = ((FloatVector) q0.convertShape(B2F, F, p)).fma(x0, p0);
                    p1 = ((FloatVector) q1.convertShape(B2F, F, p)).fma(x1, p1);
                    p2 = ((FloatVector) q2.convertShape(B2F, F, p)).fma(x2, p2);
                    p3 = ((FloatVector) q3.convertShape(B2F, F, p)).fma(x3, p3);
                    r0 = ((FloatVector) s0.convertShape(B2F, F, p)).fma(x0, r0);
                    r1 = ((FloatVector) s1.convertShape(B2F, F, p)).fma(x1, r1);
                    r2 = ((FloatVector) s2.convertShape(B2F, F, p)).fma(x2, r2);
                    r3 = ((FloatVector) s3.convertShape(B2F, F, p)).fma(x3, r3);
                }
            }
            int group = 16 * i + 8 * n + (l0 >> 4);
            acc0 = p0.fma(FloatVector.broadcast(F, scales0[group]), acc0);
            acc0 = p1.fma(FloatVector.broadcast(F, scales0[group + 2]), acc0);
            acc0 = p2.fma(FloatVector.broadcast(F, scales0[group + 4]), acc0);
            acc0 = p3.fma(FloatVector.broadcast(F, scales0[group + 6]), acc0);
            acc1 = r0.fma(FloatVector.broadcast(F, scales1[group]), acc1);
            acc1 = r1.fma(FloatVector.broadcast(F, scales1[group + 2]), acc1);
            acc1 = r2.fma(FloatVector.broadcast(F, scales1[group + 4]), acc1);
            acc1 = r3.fma(FloatVector.broadcast(F, scales1[group + 6]), acc1);
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, F.length());
    }

    /** In every byte of an int: its low 2 bits (a Q3_K value's low bits), bit 2 (its third bit). */
    private static final int LOW2 = 0x03030303, BIT2 = 0x04040404;

    /**
     * One row of Q3_K at byte offset {@code o}: {@code Σ_blocks Σ_g d·sc_g·Σ q·x} with the 3-bit
     * quants taken as 0..7 (the caller adds {@code −4·Σ_g d·sc_g·groupSums[g]}), {@code scales[16i + g]
     * = d·sc_g} from {@link #q3_KGroupScales}; the lane sums go to {@code lanes[0..F.length())}.
     * Layout (ggml's {@code dequantize_row_q3_K}): in half n of a block, value 32j + 16h + l has its
     * low bits at bits 2j, 2j+1 of {@code qs[32n + 16h + l]} and its third bit at bit 4n + j of
     * {@code hmask[16h + l]}; each run of 16 values has one scale. The values are put together in
     * the loaded bytes, as in {@link #q6_KRows2} (2048x2048 in L3, one thread: 1.5 → 1.9 GB/s at 128
     * bits, 2.6 → 2.7 at 256, 3.5 → 3.6 at 512), loaded as int lanes as there.
     */
    static void q3_KRow(MemorySegment w, long o, int blocks, float[] x, int xo, float[] scales, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        // the 16 values l of run h in half n of block i, for the four bit pairs j at once
        for (int run = 0; run < 4 * blocks; run++) {
            int i = run >> 2, n = (run >> 1) & 1, h = run & 1;
            long block = o + (long) i * Blocks.Q3_K.BYTES;
            IntVector qs = IntVector.fromMemorySegment(Q4_K_LOAD_INTS, w, block + Blocks.Q3_K.QS + 32 * n + 16 * h, LE);
            IntVector hm = IntVector.fromMemorySegment(Q4_K_LOAD_INTS, w, block + Blocks.Q3_K.HMASK + 16 * h, LE);
            int e0 = xo + 256 * i + 128 * n + 16 * h;
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
            // the bytes shifted as ints, four to a lane (what crosses into a neighbour byte is masked
            // off), then seen as bytes once, as in q6_KRows2; the third bits of j = 0..3 moved to
            // bit 2: hmask >> (4n + j − 2), as one shift (shifting left and then right would lose the
            // top byte's bits 6-7 off the int)
            IntVector third = n == 0 ? hm.lanewise(LSHL, 2) : hm.lanewise(LSHR, 2);
            ByteVector q0 = qs.and(LOW2).or(third.and(BIT2)).reinterpretAsBytes();
            ByteVector q1 = qs.lanewise(LSHR, 2).and(LOW2).or(third.lanewise(LSHR, 1).and(BIT2)).reinterpretAsBytes();
            ByteVector q2 = qs.lanewise(LSHR, 4).and(LOW2).or(third.lanewise(LSHR, 2).and(BIT2)).reinterpretAsBytes();
            ByteVector q3 = qs.lanewise(LSHR, 6).and(LOW2).or(third.lanewise(LSHR, 3).and(BIT2)).reinterpretAsBytes();
            for (int p = 0; p < 16 / L; p++) {
                int e = e0 + p * L;
                p0 = ((FloatVector) q0.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, e), p0);
                p1 = ((FloatVector) q1.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, e + 32), p1);
                p2 = ((FloatVector) q2.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, e + 64), p2);
                p3 = ((FloatVector) q3.convertShape(B2F, F, p)).fma(FloatVector.fromArray(F, x, e + 96), p3);
            }
            int group = 16 * i + 8 * n + h;
            acc = p0.fma(FloatVector.broadcast(F, scales[group]), acc);
            acc = p1.fma(FloatVector.broadcast(F, scales[group + 2]), acc);
            acc = p2.fma(FloatVector.broadcast(F, scales[group + 4]), acc);
            acc = p3.fma(FloatVector.broadcast(F, scales[group + 6]), acc);
        }
        acc.intoArray(lanes, 0);
    }

    /**
     * One row of Q2_K at byte offset {@code o}: {@code Σ_blocks Σ_g d·sc_g·Σ q·x} (the caller
     * subtracts {@code Σ_g dmin·m_g·groupSums[g]}), {@code scales[16i + g] = d·sc_g} from
     * {@link #q2_KGroupScales}; the lane sums go to {@code lanes[0..F.length())}. Layout (ggml's
     * {@code dequantize_row_q2_K}): in half n of a block, value 32j + 16h + l is bits 2j, 2j+1 of
     * {@code qs[32n + 16h + l]}; each run of 16 values has one scale and one min. {@link #q3_KRow}'s
     * layout without the third bit: one kernel for both (the third bits masked to nothing for Q2_K)
     * took Q2_K from 3.6 to 2.7 GB/s.
     */
    static void q2_KRow(MemorySegment w, long o, int blocks, float[] x, int xo, float[] scales, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        // the 16 values l of run h in half n of block i, for the four bit pairs j at once
        for (int run = 0; run < 4 * blocks; run++) {
            int i = run >> 2, n = (run >> 1) & 1, h = run & 1;
            long block = o + (long) i * Blocks.Q2_K.BYTES;
            ByteVector qs = ByteVector.fromMemorySegment(Q4_K_LOAD, w, block + Blocks.Q2_K.QS + 32 * n + 16 * h, LE);
            int e0 = xo + 256 * i + 128 * n + 16 * h;
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
            for (int p = 0; p < 16 / L; p++) {
                int e = e0 + p * L;
                IntVector q = (IntVector) qs.convertShape(ZERO_EXTEND_B2I, I, p);
                p0 = ((FloatVector) q.and(3).convert(I2F, 0)).fma(FloatVector.fromArray(F, x, e), p0);
                p1 = ((FloatVector) q.lanewise(LSHR, 2).and(3).convert(I2F, 0))
                        .fma(FloatVector.fromArray(F, x, e + 32), p1);
                p2 = ((FloatVector) q.lanewise(LSHR, 4).and(3).convert(I2F, 0))
                        .fma(FloatVector.fromArray(F, x, e + 64), p2);
                p3 = ((FloatVector) q.lanewise(LSHR, 6).convert(I2F, 0)).fma(FloatVector.fromArray(F, x, e + 96), p3);
            }
            int group = 16 * i + 8 * n + h;
            acc = p0.fma(FloatVector.broadcast(F, scales[group]), acc);
            acc = p1.fma(FloatVector.broadcast(F, scales[group + 2]), acc);
            acc = p2.fma(FloatVector.broadcast(F, scales[group + 4]), acc);
            acc = p3.fma(FloatVector.broadcast(F, scales[group + 6]), acc);
        }
        acc.intoArray(lanes, 0);
    }

    /**
     * A Q2_K row's {@code d·sc_g} and {@code dmin·m_g} per 16-value group (the low and high nibble
     * of scale byte g), to {@code scales[0..16·blocks)} and {@code mins[0..16·blocks)}.
     */
    static void q2_KGroupScales(MemorySegment w, long row, int blocks, float[] scales, float[] mins) {
        for (int i = 0; i < blocks; i++) {
            long o = row + (long) i * Blocks.Q2_K.BYTES;
            ByteVector packed = ByteVector.fromMemorySegment(Q4_K_LOAD, w, o + Blocks.Q2_K.SCALES, LE);
            float d = LittleEndian.f16(w, o + Blocks.Q2_K.D);
            float dmin = LittleEndian.f16(w, o + Blocks.Q2_K.DMIN);
            for (int p = 0; p < 16 / L; p++) {
                IntVector sc = (IntVector) packed.convertShape(ZERO_EXTEND_B2I, I, p);
                ((FloatVector) sc.and(0xF).convert(I2F, 0)).mul(d).intoArray(scales, 16 * i + p * L);
                ((FloatVector) sc.lanewise(LSHR, 4).convert(I2F, 0)).mul(dmin).intoArray(mins, 16 * i + p * L);
            }
        }
    }

    /**
     * A Q3_K row's {@code d·sc_g} per 16-value group, to {@code scales[0..16·blocks)}: the 6-bit
     * signed scales ({@link Blocks.Q3_K#scale}) unpacked four at a time in an int as ggml's
     * {@code kmask1}/{@code kmask2} code does, then widened as one 16-byte vector.
     */
    static void q3_KGroupScales(MemorySegment w, long row, int blocks, float[] scales) {
        for (int i = 0; i < blocks; i++) {
            long o = row + (long) i * Blocks.Q3_K.BYTES;
            int a = w.get(LittleEndian.INT, o + Blocks.Q3_K.SCALES);
            int b = w.get(LittleEndian.INT, o + Blocks.Q3_K.SCALES + 4);
            int c = w.get(LittleEndian.INT, o + Blocks.Q3_K.SCALES + 8);
            int s0 = a & 0x0F0F0F0F | (c & 0x03030303) << 4;
            int s1 = b & 0x0F0F0F0F | (c >>> 2 & 0x03030303) << 4;
            int s2 = a >>> 4 & 0x0F0F0F0F | (c >>> 4 & 0x03030303) << 4;
            int s3 = b >>> 4 & 0x0F0F0F0F | (c >>> 6 & 0x03030303) << 4;
            ByteVector packed = LongVector.zero(LongVector.SPECIES_128)
                    .withLane(0, Integer.toUnsignedLong(s0) | (long) s1 << 32)
                    .withLane(1, Integer.toUnsignedLong(s2) | (long) s3 << 32)
                    .reinterpretAsBytes();
            float d = LittleEndian.f16(w, o + Blocks.Q3_K.D);
            for (int p = 0; p < 16 / L; p++) {
                ((FloatVector) packed.convertShape(B2F, F, p)).sub(32).mul(d).intoArray(scales, 16 * i + p * L);
            }
        }
    }

    /** A Q6_K row's {@code d·sc_g} per 16-value group, to {@code scales[0..16·blocks)}. */
    static void groupScales(MemorySegment w, long row, int blocks, float[] scales) {
        for (int i = 0; i < blocks; i++) {
            long o = row + (long) i * Blocks.Q6_K.BYTES;
            FloatVector d = FloatVector.broadcast(F, LittleEndian.f16(w, o + Blocks.Q6_K.D));
            for (int g = 0; g < 16; g += BL) {
                ByteVector sc = ByteVector.fromMemorySegment(B_TO_I, w, o + Blocks.Q6_K.SCALES + g, LE);
                for (int p = 0; p < B_TO_I_PARTS; p++) {
                    ((FloatVector) sc.convertShape(B2F, F, p)).mul(d).intoArray(scales, 16 * i + g + p * L);
                }
            }
        }
    }

    /** {@code Σ_i d[at + i]·sums[i]} over {@code blocks}, in a fixed order (vector lanes, then the tail). */
    static float offset(float[] d, int at, float[] sums, int blocks, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        int bound = F.loopBound(blocks);
        for (int i = 0; i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, d, at + i).fma(FloatVector.fromArray(F, sums, i), acc);
        }
        acc.intoArray(lanes, 0);
        float s = Lanes.sum(lanes, 0);
        for (int i = bound; i < blocks; i++) {
            s += d[at + i] * sums[i];
        }
        return s;
    }
}
