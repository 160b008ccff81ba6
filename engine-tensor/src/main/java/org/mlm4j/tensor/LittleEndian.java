package org.mlm4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The value layouts of GGUF data: little-endian and unaligned (block fields such as a Q8_0 block's
 * fp16 scale sit at any byte offset). Reads through these layouts are bounds-checked by the segment.
 */
public final class LittleEndian {
    private LittleEndian() {
    }

    public static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The unsigned byte at {@code offset}. */
    public static int u8(MemorySegment s, long offset) {
        return s.get(BYTE, offset) & 0xFF;
    }

    /** The signed byte at {@code offset}. */
    public static int i8(MemorySegment s, long offset) {
        return s.get(BYTE, offset);
    }

    /** The fp16 value at {@code offset}, widened to float (exactly). */
    public static float f16(MemorySegment s, long offset) {
        return Float.float16ToFloat(s.get(SHORT, offset));
    }

    public static float f32(MemorySegment s, long offset) {
        return s.get(FLOAT, offset);
    }
}
