package dev.drafthorse.kernels.tensor;

import jdk.incubator.vector.FloatVector;

/**
 * The one reduction of the canonical order: a vector accumulator, stored to a scratch array, summed by a
 * fixed tree (lane i + lane i + L/2, then + L/4, …, then lane 0). Every kernel reduces through here, so a
 * (row, input) dot product gets the same bits in every tile and on every JDK.
 *
 * <p>Why not {@code reduceLanes(ADD)}: its order is unspecified, and on JDK 25 it differs between
 * interpreted code (lane order) and compiled code (a tree), so results changed when the JIT caught up —
 * a break of the determinism contract, seen in the JDK 25 test run. Why scalar adds over a stored vector
 * and not a helper taking the vector: C2 does not always inline such a helper into the large kernels, and
 * a vector passed to a call that is not inlined is boxed on the heap (gigabytes in a long prefill). Only
 * loaded when {@link Simd#ENABLED}.
 */
public final class Lanes {
    static final int L = FloatVector.SPECIES_PREFERRED.length();

    private Lanes() {}

    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[4 * L]);

    /** This thread's scratch for four stored accumulators: (4, L). */
    public static float[] scratch() {
        return SCRATCH.get();
    }

    /** Σ a[off, off + L) in the fixed tree order; a's values there are overwritten. */
    public static float sum(float[] a, int off) {
        for (int h = L / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) {
                a[off + i] += a[off + i + h];
            }
        }
        return a[off];
    }
}
