package dev.drafthorse.ensemble.method;

import java.nio.charset.StandardCharsets;

/** Seed derivation: every random stream is a pure function of the user's seed and a position. */
public final class Seeds {
    private Seeds() {}

    /** SplitMix64's finalizer: a bijective 64-bit mix. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A seed for stream {@code (a, b)} under {@code seed}. */
    public static long derive(long seed, long a, long b) {
        return mix(mix(mix(seed + 0x9E3779B97F4A7C15L) + a) + b);
    }

    /** 64-bit FNV-1a of the UTF-8 bytes of {@code s} (stable across JVMs, unlike {@code hashCode} salts). */
    public static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** A uniform double in [0, 1) from a 64-bit value. */
    static double unit(long bits) {
        return (bits >>> 11) * 0x1.0p-53;
    }
}
