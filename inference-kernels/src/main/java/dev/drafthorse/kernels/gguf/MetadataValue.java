package dev.drafthorse.kernels.gguf;

import java.lang.reflect.Array;

/**
 * One metadata value with its GGUF type. Scalars are boxed Java values of the same width (unsigned
 * types keep their bit pattern: a UINT32 is an {@code Integer}); arrays are primitive Java arrays
 * ({@code byte[]}, {@code short[]}, {@code int[]}, {@code long[]}, {@code float[]}, {@code double[]},
 * {@code boolean[]}, {@code String[]}), or {@code MetadataValue[]} for arrays of arrays.
 *
 * @param type the value's type
 * @param elementType for arrays, the element type; otherwise null
 * @param value the value
 */
public record MetadataValue(ValueType type, ValueType elementType, Object value) {

    public static MetadataValue of(ValueType type, Object value) {
        return new MetadataValue(type, null, value);
    }

    public static MetadataValue array(ValueType elementType, Object values) {
        return new MetadataValue(ValueType.ARRAY, elementType, values);
    }

    public static MetadataValue string(String s) {
        return of(ValueType.STRING, s);
    }

    public static MetadataValue uint32(int v) {
        return of(ValueType.UINT32, v);
    }

    public static MetadataValue float32(float v) {
        return of(ValueType.FLOAT32, v);
    }

    /** Number of elements of an array value. */
    public int length() {
        return Array.getLength(value);
    }

    @Override
    public String toString() {
        if (type == ValueType.ARRAY) {
            return "[" + elementType + " x " + length() + "]";
        }
        // Unsigned types keep their bit pattern: print them as the unsigned numbers they are.
        return switch (type) {
            case UINT8 -> Integer.toString(((Byte) value) & 0xff);
            case UINT16 -> Integer.toString(((Short) value) & 0xffff);
            case UINT32 -> Integer.toUnsignedString((Integer) value);
            case UINT64 -> Long.toUnsignedString((Long) value);
            default -> String.valueOf(value);
        };
    }
}
