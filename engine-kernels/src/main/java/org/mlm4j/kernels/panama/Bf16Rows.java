package org.mlm4j.kernels.panama;

import static org.mlm4j.kernels.panama.VectorConstants.I;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import org.mlm4j.tensor.HalfFloats;
import org.mlm4j.tensor.LittleEndian;

/**
 * bf16 rows of a segment to floats, {@link HalfFloats#bf16ToF32(MemorySegment, long, float[], int, int)}
 * in vectors: a bf16 value is the upper half of its float, so each lane is the sign-extended short
 * shifted left by 16. C2 does not vectorize the scalar loop (3.5 vs 9 GB/s of F16 decode).
 */
final class Bf16Rows {
    private Bf16Rows() {
    }

    static void toFloats(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n) {
        int bound = n - n % I.length();
        for (int i = 0; i < bound; i += I.length()) {
            ShortVector b = ShortVector.fromMemorySegment(F16Vectors.HALF, src, srcOffset + 2L * i,
                    ByteOrder.LITTLE_ENDIAN);
            ((IntVector) b.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats().intoArray(dst, dstOffset + i);
        }
        for (int i = bound; i < n; i++) {
            dst[dstOffset + i] = HalfFloats.bf16ToF32(src.get(LittleEndian.SHORT, srcOffset + 2L * i));
        }
    }
}
