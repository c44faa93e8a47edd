package dev.drafthorse.kernels.sampling;

/**
 * A small, explicitly seeded random stream (SplitMix64). Each row of a job gets its own stream from
 * {@link #forRow(long, String)}, so what a row samples never depends on which task, batch or thread
 * handled it.
 */
public final class Rng {
    private long state;

    public Rng(long seed) {
        this.state = seed;
    }

    /** A stream for one row: the seed mixed with a hash of the row id. */
    public static Rng forRow(long seed, String rowId) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < rowId.length(); i++) {
            h = (h ^ rowId.charAt(i)) * 0x100000001b3L;
        }
        return new Rng(mix(seed ^ mix(h)));
    }

    public long nextLong() {
        state += 0x9e3779b97f4a7c15L;
        return mix(state);
    }

    /** Uniform in [0, 1) with 24 bits, matching float resolution. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1p-24f;
    }

    /** Uniform in [0, 1) with 53 bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1p-53;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
