package org.mlm4j.gguf;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/**
 * A GGUF array value: one element type and the elements, kept in a primitive Java array (a
 * 150,000-entry score table is one {@code float[]}, not 150,000 boxes). As a {@link List} its
 * elements are boxed like scalar values (see {@link GgufType}); arrays of arrays hold
 * {@code GgufArray} elements, each with its own element type.
 */
public final class GgufArray extends AbstractList<Object> implements RandomAccess {
    private final GgufType elementType;
    /** byte[] (u8, i8, bool), short[] (u16, i16), int[] (u32, i32), float[], long[] (u64, i64), double[], String[] or GgufArray[]. */
    private final Object elements;
    private final int size;

    private GgufArray(GgufType elementType, Object elements, int size) {
        this.elementType = elementType;
        this.elements = elements;
        this.size = size;
    }

    public static GgufArray ofFloats(float... values) {
        return new GgufArray(GgufType.FLOAT32, values.clone(), values.length);
    }

    public static GgufArray ofDoubles(double... values) {
        return new GgufArray(GgufType.FLOAT64, values.clone(), values.length);
    }

    /** An INT32 array. */
    public static GgufArray ofInts(int... values) {
        return new GgufArray(GgufType.INT32, values.clone(), values.length);
    }

    public static GgufArray ofStrings(String... values) {
        for (String s : values) {
            if (s == null) {
                throw new IllegalArgumentException("null string in a GGUF array");
            }
        }
        return new GgufArray(GgufType.STRING, values.clone(), values.length);
    }

    public static GgufArray ofArrays(GgufArray... values) {
        for (GgufArray a : values) {
            if (a == null) {
                throw new IllegalArgumentException("null element in a GGUF array of arrays");
            }
        }
        return new GgufArray(GgufType.ARRAY, values.clone(), values.length);
    }

    /**
     * An array of {@code elementType} from Java values that fit it: numbers for the numeric types
     * (checked against the type's range), Booleans, Strings, or GgufArrays for ARRAY.
     */
    public static GgufArray of(GgufType elementType, List<?> values) {
        int n = values.size();
        Object elements = allocate(elementType, n);
        for (int i = 0; i < n; i++) {
            Object v = values.get(i);
            switch (elementType) {
                case UINT8, INT8 -> ((byte[]) elements)[i] = (byte) GgufValues.checkedInteger(elementType, v);
                case BOOL -> ((byte[]) elements)[i] = (byte) (GgufValues.checked(Boolean.class, elementType, v) ? 1 : 0);
                case UINT16, INT16 -> ((short[]) elements)[i] = (short) GgufValues.checkedInteger(elementType, v);
                case UINT32, INT32 -> ((int[]) elements)[i] = (int) GgufValues.checkedInteger(elementType, v);
                case UINT64, INT64 -> ((long[]) elements)[i] = GgufValues.checkedInteger(elementType, v);
                case FLOAT32 -> ((float[]) elements)[i] = GgufValues.checked(Number.class, elementType, v).floatValue();
                case FLOAT64 -> ((double[]) elements)[i] = GgufValues.checked(Number.class, elementType, v).doubleValue();
                case STRING -> ((String[]) elements)[i] = GgufValues.checked(String.class, elementType, v);
                case ARRAY -> ((GgufArray[]) elements)[i] = GgufValues.checked(GgufArray.class, elementType, v);
            }
        }
        return new GgufArray(elementType, elements, n);
    }

    /** Wraps {@code elements} (of the Java array class {@link #allocate} gives) without copying; for the reader. */
    static GgufArray wrap(GgufType elementType, Object elements, int size) {
        return new GgufArray(elementType, elements, size);
    }

    static Object allocate(GgufType elementType, int n) {
        return switch (elementType) {
            case UINT8, INT8, BOOL -> new byte[n];
            case UINT16, INT16 -> new short[n];
            case UINT32, INT32 -> new int[n];
            case UINT64, INT64 -> new long[n];
            case FLOAT32 -> new float[n];
            case FLOAT64 -> new double[n];
            case STRING -> new String[n];
            case ARRAY -> new GgufArray[n];
        };
    }

    public GgufType elementType() {
        return elementType;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Object get(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(i + " of " + size);
        }
        return switch (elementType) {
            case UINT8 -> Byte.toUnsignedInt(((byte[]) elements)[i]);
            case INT8 -> (int) ((byte[]) elements)[i];
            case BOOL -> ((byte[]) elements)[i] != 0;
            case UINT16 -> Short.toUnsignedInt(((short[]) elements)[i]);
            case INT16 -> (int) ((short[]) elements)[i];
            case UINT32 -> Integer.toUnsignedLong(((int[]) elements)[i]);
            case INT32 -> ((int[]) elements)[i];
            case UINT64, INT64 -> ((long[]) elements)[i];
            case FLOAT32 -> ((float[]) elements)[i];
            case FLOAT64 -> ((double[]) elements)[i];
            case STRING -> ((String[]) elements)[i];
            case ARRAY -> ((GgufArray[]) elements)[i];
        };
    }

    /** The elements as floats: FLOAT32 as stored, FLOAT64 and integers converted. */
    public float[] toFloatArray() {
        if (elements instanceof float[] f) {
            return f.clone();
        }
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
            out[i] = numberAt(i, "floats").floatValue();
        }
        return out;
    }

    /** The elements as ints: integer types whose values fit an int. */
    public int[] toIntArray() {
        if (elementType == GgufType.INT32) {
            return ((int[]) elements).clone();
        }
        int[] out = new int[size];
        for (int i = 0; i < size; i++) {
            long v = integerAt(i);
            if (v != (int) v || (elementType == GgufType.UINT64 && v < 0)) {
                throw new IllegalStateException("element " + i + " = " + get(i) + " does not fit an int");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /** The elements as longs: integer types (UINT64 values keep their unsigned bits). */
    public long[] toLongArray() {
        long[] out = new long[size];
        for (int i = 0; i < size; i++) {
            out[i] = integerAt(i);
        }
        return out;
    }

    public String[] toStringArray() {
        if (elementType != GgufType.STRING) {
            throw new IllegalStateException("an array of " + elementType.shortName() + ", not of strings");
        }
        return ((String[]) elements).clone();
    }

    private long integerAt(int i) {
        if (!elementType.isInteger()) {
            throw new IllegalStateException("an array of " + elementType.shortName() + ", not of integers");
        }
        return ((Number) get(i)).longValue();
    }

    private Number numberAt(int i, String wanted) {
        if (!elementType.isInteger() && !elementType.isFloat()) {
            throw new IllegalStateException("an array of " + elementType.shortName() + ", not of " + wanted);
        }
        return (Number) get(i);
    }

    /** Short description: {@code [512 x str]}, {@code [3 x arr]}. */
    public String describeType() {
        return "[" + size + " x " + elementType.shortName() + "]";
    }

    @Override
    public boolean equals(Object o) {
        if (o instanceof GgufArray a && a.elementType != elementType) {
            return false;
        }
        return super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + elementType.hashCode();
    }

    @Override
    public String toString() {
        return elementType.shortName() + Arrays.toString(toArray());
    }
}
