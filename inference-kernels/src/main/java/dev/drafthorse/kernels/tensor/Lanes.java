package dev.drafthorse.kernels.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one reduction of the canonical order: a vector's lanes summed by a fixed tree of lane-wise adds
 * (lane i + lane i + L/2, then + L/4, …, then lane 0). Every kernel reduces through here, so a (row, input)
 * dot product gets the same bits in every tile and on every JDK.
 *
 * <p>Why not {@code reduceLanes(ADD)}: its order is unspecified, and on JDK 25 it differs between
 * interpreted code (lane order) and compiled code (a tree), so results changed when the JIT caught up —
 * a break of the determinism contract (seen in the JDK 25 test run). Lane-wise adds and rearranges are
 * exact per lane, so this tree gives the same bits interpreted or compiled, on JDK 17 and 21+. Only loaded
 * when {@link Simd#ENABLED}.
 */
public final class Lanes {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    private static final VectorShuffle<Float> BY8 = L >= 16 ? VectorShuffle.iota(F, 8, 1, true) : null;
    private static final VectorShuffle<Float> BY4 = L >= 8 ? VectorShuffle.iota(F, 4, 1, true) : null;
    private static final VectorShuffle<Float> BY2 = L >= 4 ? VectorShuffle.iota(F, 2, 1, true) : null;
    private static final VectorShuffle<Float> BY1 = VectorShuffle.iota(F, 1, 1, true);

    private Lanes() {}

    /** Σ lanes of v in the fixed tree order (vectors of up to 16 lanes). */
    public static float sum(FloatVector v) {
        FloatVector s = v;
        if (L >= 16) {
            s = s.add(s.rearrange(BY8));
        }
        if (L >= 8) {
            s = s.add(s.rearrange(BY4));
        }
        if (L >= 4) {
            s = s.add(s.rearrange(BY2));
        }
        s = s.add(s.rearrange(BY1));
        return s.lane(0);
    }
}
