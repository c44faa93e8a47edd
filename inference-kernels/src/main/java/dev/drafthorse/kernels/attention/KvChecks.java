package dev.drafthorse.kernels.attention;

/** Argument checks shared by the {@link KvStore} implementations; every failure names the parameter. */
final class KvChecks {
    /** The largest array length the JVMs we run on allocate reliably. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private KvChecks() {}

    static void shape(int kvHeads, int headDim, int capacity) {
        if (kvHeads < 1) {
            throw new IllegalArgumentException("kvHeads must be >= 1, got " + kvHeads);
        }
        if (headDim < 1) {
            throw new IllegalArgumentException("headDim must be >= 1, got " + headDim);
        }
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
        }
        if ((long) kvHeads * headDim * capacity > MAX_ARRAY) {
            throw new IllegalArgumentException("capacity " + capacity + " x kvHeads " + kvHeads + " x headDim "
                    + headDim + " exceeds the largest array");
        }
    }

    /** The capacity to grow to: at least {@code positions}, and 1.5x the old one so appends amortize. */
    static int grownCapacity(int kvHeads, int headDim, int capacity, int positions) {
        long perPos = (long) kvHeads * headDim;
        long maxPositions = MAX_ARRAY / perPos;
        if (positions > maxPositions) {
            throw new IllegalArgumentException("positions " + positions + " exceeds the largest store (" + maxPositions
                    + " positions for kvHeads " + kvHeads + " x headDim " + headDim + ")");
        }
        long grown = Math.max(positions, capacity + (capacity >> 1));
        return (int) Math.min(grown, maxPositions);
    }

    static void position(String name, int pos, int capacity) {
        if (pos < 0 || pos >= capacity) {
            throw new IllegalArgumentException(name + " must be in [0, " + capacity + "), got " + pos);
        }
    }

    static void range(String name, int pos0, int n, int capacity) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        if (pos0 < 0 || (long) pos0 + n > capacity) {
            throw new IllegalArgumentException(
                    name + " range [" + pos0 + ", " + ((long) pos0 + n) + ") is outside [0, " + capacity + ")");
        }
    }

    static void head(int kvHead, int kvHeads) {
        if (kvHead < 0 || kvHead >= kvHeads) {
            throw new IllegalArgumentException("kvHead must be in [0, " + kvHeads + "), got " + kvHead);
        }
    }

    static void array(String name, float[] a, int off, long len) {
        if (a == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (off < 0 || off + len > a.length) {
            throw new IllegalArgumentException(
                    name + " needs " + len + " floats from offset " + off + " but has length " + a.length);
        }
    }

    static void compatible(KvStore dst, KvStore src) {
        if (src == null) {
            throw new IllegalArgumentException("src must not be null");
        }
        if (src.kvHeads() != dst.kvHeads() || src.headDim() != dst.headDim()) {
            throw new IllegalArgumentException("src has kvHeads " + src.kvHeads() + " x headDim " + src.headDim()
                    + " but this store has " + dst.kvHeads() + " x " + dst.headDim());
        }
    }
}
