package dev.drafthorse.kernels.gguf;

/** GGUF metadata value types, with their ids in the file. */
public enum ValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, -1),
    ARRAY(9, -1),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private final int id;
    private final int size;

    ValueType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    public int id() {
        return id;
    }

    /** Fixed byte size, or -1 for strings and arrays. */
    public int size() {
        return size;
    }

    /** The type with this id, or null. */
    public static ValueType byId(int id) {
        for (ValueType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }
}
