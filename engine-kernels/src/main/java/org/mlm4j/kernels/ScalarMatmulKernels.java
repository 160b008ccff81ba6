package org.mlm4j.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.mlm4j.tensor.GgmlType;
import org.mlm4j.tensor.HalfFloats;
import org.mlm4j.tensor.LittleEndian;
import org.mlm4j.tensor.Tensor;

/**
 * Scalar matmul: the definition every SIMD matmul is tested against. One dot product per
 * (weight row, activation row), block by block in place:
 *
 * <ul>
 *   <li>Q8_0 / Q8_1 activations (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 weights), as ggml's
 *       {@code ggml_vec_dot_q*_q8_*}: {@code Σ_blocks (dW·dX)·Σ qW·qX} [{@code + m·s}].</li>
 *   <li>Q8_K activations (K-quants), as {@code ggml_vec_dot_q*_K_q8_K}:
 *       {@code Σ_blocks dW·dX·Σ_sub scale·Σ qW·qX − dminW·dX·Σ_sub min·bsum}.</li>
 *   <li>Float activations (F32, F16/BF16-rounded, or any weight under FLOAT numerics):
 *       {@code Σ w·x} with each weight block expanded as ggml's {@code dequantize_row_*}.</li>
 * </ul>
 * Integer sums are exact; floats accumulate in F32 in element order.
 */
final class ScalarMatmulKernels implements MatmulKernels {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Weight bytes per thread-pool chunk: a few chunks per thread fit in L2. */
    private static final long CHUNK_BYTES = 256 << 10;

    @Override
    public void matmul(Tensor w, float[] x, int xOffset, float[] y, int yOffset, int batch, Numerics numerics) {
        MatmulArguments.check(w, x, xOffset, y, yOffset, batch);
        int rows = (int) w.rows();
        if (batch == 0 || rows == 0) {
            return;
        }
        Activations a = Activations.of(w.type(), numerics, x, xOffset, w.cols(), batch);
        MemorySegment data = w.data();
        GgmlType type = w.type();
        long rowBytes = w.rowBytes();
        Parallel.forRange(rows, Parallel.grain(rows, rowBytes * batch, CHUNK_BYTES, 1), (r0, r1) -> {
            QuantBlock block = type.isQuantized() ? new QuantBlock() : null;
            for (int r = r0; r < r1; r++) {
                for (int b = 0; b < batch; b++) {
                    y[yOffset + b * rows + r] = dot(type, data, r * rowBytes, a, b, block);
                }
            }
        });
    }

    @Override
    public long streamRead(MemorySegment data, long from, long to) {
        long a = 0;
        long b = 0;
        long c = 0;
        long d = 0;
        for (long i = from; i < to; i += 32) {
            a += data.get(LONG, i);
            b += data.get(LONG, i + 8);
            c += data.get(LONG, i + 16);
            d += data.get(LONG, i + 24);
        }
        return a + b + c + d;
    }

    @Override
    public float fmaChains(float multiplier, float addend, long steps) {
        float[] acc = new float[FMA_CHAINS];
        java.util.Arrays.fill(acc, addend);
        for (long i = 0; i < steps; i++) {
            for (int c = 0; c < FMA_CHAINS; c++) {
                acc[c] = Math.fma(acc[c], multiplier, addend);
            }
        }
        float sum = 0;
        for (float a : acc) {
            sum += a;
        }
        return sum;
    }

    @Override
    public int fmaChainsFlopsPerStep() {
        return 2 * FMA_CHAINS;
    }

    /** Row {@code row} of weights (at byte {@code offset}) · activation row {@code b}. */
    static float dot(GgmlType type, MemorySegment w, long offset, Activations a, int b, QuantBlock block) {
        return switch (type) {
            case F32, F16, BF16 -> dotFloatWeights(type, w, offset, a, b);
            default -> switch (a.format()) {
                case Q8_0, Q8_1 -> dotQ8(type, w, offset, a, b, block);
                case Q8_K -> dotQ8K(type, w, offset, a, b, block);
                case F32 -> dotExpanded(type, w, offset, a, b, block);
                default -> throw new IllegalArgumentException(a.format() + " activations with " + type.ggmlName());
            };
        };
    }

    private static float dotFloatWeights(GgmlType type, MemorySegment w, long offset, Activations a, int b) {
        int cols = a.cols();
        float[] x = a.values();
        int xo = a.valuesOffset() + b * cols;
        float sum = 0;
        for (int k = 0; k < cols; k++) {
            float wk = switch (type) {
                case F32 -> LittleEndian.f32(w, offset + 4L * k);
                case F16 -> LittleEndian.f16(w, offset + 2L * k);
                default -> HalfFloats.bf16ToF32(w.get(LittleEndian.SHORT, offset + 2L * k));
            };
            sum += wk * x[xo + k];
        }
        return sum;
    }

    private static float dotQ8(GgmlType type, MemorySegment w, long offset, Activations a, int b, QuantBlock block) {
        int blocks = a.cols() / 32;
        byte[] qx = a.qs();
        float[] dx = a.d();
        float[] sx = a.s();
        float sum = 0;
        for (int i = 0; i < blocks; i++) {
            block.decode(type, w, offset + (long) i * type.typeSize);
            int qo = b * a.cols() + 32 * i;
            int sumi = 0;
            for (int k = 0; k < 32; k++) {
                sumi += block.q[k] * qx[qo + k];
            }
            int bi = b * blocks + i;
            sum += (block.d * dx[bi]) * sumi;
            if (block.min[0] != 0) {
                sum += -block.dmin * sx[bi];
            }
        }
        return sum;
    }

    private static float dotQ8K(GgmlType type, MemorySegment w, long offset, Activations a, int b, QuantBlock block) {
        int blocks = a.cols() / 256;
        byte[] qx = a.qs();
        short[] bsums = a.bsums();
        float sum = 0;
        for (int i = 0; i < blocks; i++) {
            block.decode(type, w, offset + (long) i * type.typeSize);
            int qo = b * a.cols() + 256 * i;
            int bi = b * blocks + i;
            int sumi = 0;
            int sumMins = 0;
            int groupsPerSub = block.subSize / Activations.Q8K_GROUP;
            for (int j = 0; j < block.subBlocks; j++) {
                int dot = 0;
                for (int k = j * block.subSize; k < (j + 1) * block.subSize; k++) {
                    dot += block.q[k] * qx[qo + k];
                }
                sumi += block.scale[j] * dot;
                int bsum = 0;
                for (int g = 0; g < groupsPerSub; g++) {
                    bsum += bsums[16 * bi + j * groupsPerSub + g];
                }
                sumMins += block.min[j] * bsum;
            }
            float dx = a.d()[bi];
            sum += (block.d * dx) * sumi - (block.dmin * dx) * sumMins;
        }
        return sum;
    }

    private static float dotExpanded(GgmlType type, MemorySegment w, long offset, Activations a, int b,
                                     QuantBlock block) {
        int cols = a.cols();
        float[] x = a.values();
        int xo = a.valuesOffset() + b * cols;
        float sum = 0;
        for (int i = 0; i < cols / type.blockSize; i++) {
            block.decode(type, w, offset + (long) i * type.typeSize);
            for (int j = 0; j < block.subBlocks; j++) {
                float sumQx = 0;
                float sumX = 0;
                for (int k = j * block.subSize; k < (j + 1) * block.subSize; k++) {
                    float xk = x[xo + i * type.blockSize + k];
                    sumQx += block.q[k] * xk;
                    sumX += xk;
                }
                sum += block.d * block.scale[j] * sumQx - block.dmin * block.min[j] * sumX;
            }
        }
        return sum;
    }
}
