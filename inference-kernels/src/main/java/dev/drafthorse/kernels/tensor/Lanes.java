package dev.drafthorse.kernels.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

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
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Whether {@link #sum4} runs its vector tree (L ≥ 4, a power of two); otherwise four {@link #sum} calls. */
    private static final boolean VECTOR_TREE = L >= 4 && Integer.bitCount(L) == 1;
    // sum4's constants (see there): lanes from the second operand, and the lane swaps of each stage
    static final VectorMask<Float> UPPER_HALF = VECTOR_TREE ? mask(L / 2) : null;
    static final VectorMask<Float> ODD_QUARTERS = VECTOR_TREE ? mask(L / 4) : null;
    static final VectorShuffle<Float> SWAP_HALVES = VECTOR_TREE ? swap(L / 2) : null;
    static final VectorShuffle<Float> SWAP_QUARTERS = VECTOR_TREE ? swap(L / 4) : null;
    static final VectorShuffle<Float> SWAP_EIGHTHS = VECTOR_TREE && L >= 8 ? swap(L / 8) : null;
    static final VectorShuffle<Float> SWAP_SIXTEENTHS = VECTOR_TREE && L >= 16 ? swap(L / 16) : null;
    /**
     * Whether a tree over sixteen accumulators ends in one vector holding their sixteen sums (exactly 16 lanes):
     * {@link Tiles#tile4x4} reduces in registers then. Each stage pairs two vectors and halves their count,
     * adding lane by lane the two partial sums that {@link #sum} adds at that stage (halves, quarters, eighths,
     * neighbouring lanes); accumulator k ends in lane bitreverse(k), and one shuffle puts them in order.
     */
    static final boolean TREE16 = L == 16;
    // that tree's further constants: odd eighths and odd lanes, and the lane order it leaves (bit-reversed)
    static final VectorMask<Float> ODD_EIGHTHS = TREE16 ? mask(2) : null;
    static final VectorMask<Float> ODD_LANES = TREE16 ? mask(1) : null;
    static final VectorShuffle<Float> BIT_REVERSED = TREE16 ? bitReversed() : null;

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

    /**
     * Four stored accumulators a[off + k·L, off + (k+1)·L), k < 4, each summed in the {@link #sum} tree, into
     * a[off, off + 4); a's 4·L values from off are overwritten. The same adds as four {@link #sum} calls (float addition
     * commutes exactly, so only the pairing matters), done on vectors across the four rows:
     *
     * <ol>
     *   <li>halves: rows 0 and 1 share one vector, row 0's L/2 partial sums in the lower half, row 1's in
     *       the upper (likewise rows 2 and 3);
     *   <li>quarters: one vector with the L/4 partial sums of rows 0, 2, 1, 3, a quarter each;
     *   <li>then within each quarter, lane i plus lane i + h for h = L/8, …, 1: row 0's sum ends in lane 0,
     *       row 2's in lane L/4, row 1's in L/2, row 3's in 3L/4.
     * </ol>
     */
    public static void sum4(float[] a, int off) {
        if (!VECTOR_TREE) {
            for (int k = 0; k < 4; k++) {
                a[off + k] = sum(a, off + k * L);
            }
            return;
        }
        FloatVector a0 = FloatVector.fromArray(F, a, off);
        FloatVector a1 = FloatVector.fromArray(F, a, off + L);
        FloatVector a2 = FloatVector.fromArray(F, a, off + 2 * L);
        FloatVector a3 = FloatVector.fromArray(F, a, off + 3 * L);
        // [a0 lower | a1 upper] + [a0 upper | a1 lower]
        FloatVector r01 = a0.blend(a1, UPPER_HALF).add(a1.blend(a0, UPPER_HALF).rearrange(SWAP_HALVES));
        FloatVector r23 = a2.blend(a3, UPPER_HALF).add(a3.blend(a2, UPPER_HALF).rearrange(SWAP_HALVES));
        // quarters: [r01 q0 | r23 q1 | r01 q2 | r23 q3] + [r01 q1 | r23 q0 | r01 q3 | r23 q2]
        FloatVector w =
                r01.blend(r23, ODD_QUARTERS).add(r23.blend(r01, ODD_QUARTERS).rearrange(SWAP_QUARTERS));
        if (SWAP_EIGHTHS != null) {
            w = w.add(w.rearrange(SWAP_EIGHTHS));
        }
        if (SWAP_SIXTEENTHS != null) {
            w = w.add(w.rearrange(SWAP_SIXTEENTHS));
        }
        for (int h = L / 32; h >= 1; h /= 2) { // wider vectors than 512 bits: the rest of the tree
            w = w.add(w.rearrange(swap(h)));
        }
        w.intoArray(a, off);
        float s2 = a[off + L / 4];
        float s1 = a[off + L / 2];
        float s3 = a[off + 3 * L / 4];
        a[off + 1] = s1;
        a[off + 2] = s2;
        a[off + 3] = s3;
    }

    /** Lane i takes lane bitreverse(i) (16 lanes): undoes the lane order the {@link #TREE16} tree leaves. */
    private static VectorShuffle<Float> bitReversed() {
        int[] idx = new int[L];
        for (int i = 0; i < L; i++) {
            idx[i] = Integer.reverse(i) >>> 28;
        }
        return VectorShuffle.fromArray(F, idx, 0);
    }

    /** Lanes whose index has bit {@code h} set (h a power of two): the odd blocks of h lanes. */
    private static VectorMask<Float> mask(int h) {
        boolean[] bits = new boolean[L];
        for (int i = 0; i < L; i++) {
            bits[i] = (i & h) != 0;
        }
        return VectorMask.fromArray(F, bits, 0);
    }

    /** Lane i takes lane i XOR h: neighbouring blocks of h lanes swapped. */
    private static VectorShuffle<Float> swap(int h) {
        int[] idx = new int[L];
        for (int i = 0; i < L; i++) {
            idx[i] = i ^ h;
        }
        return VectorShuffle.fromArray(F, idx, 0);
    }
}
