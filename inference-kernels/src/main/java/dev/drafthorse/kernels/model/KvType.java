package dev.drafthorse.kernels.model;

/** Element type of the KV cache: F32 (exact) or F16 (half the memory, a small measured error). */
public enum KvType {
    F32,
    F16;

    /** Parses "f32"/"f16" (case-insensitive), naming the option on failure. */
    public static KvType parse(String option, String value) {
        for (KvType t : values()) {
            if (t.name().equalsIgnoreCase(value)) {
                return t;
            }
        }
        throw new IllegalArgumentException(option + " must be f32 or f16, got '" + value + "'");
    }
}
