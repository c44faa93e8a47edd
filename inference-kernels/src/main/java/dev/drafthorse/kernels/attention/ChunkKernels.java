package dev.drafthorse.kernels.attention;

import dev.drafthorse.kernels.tensor.FloatOps;
import dev.drafthorse.kernels.tensor.ScalarKernels;
import dev.drafthorse.kernels.tensor.Simd;

/**
 * The two inner loops of attention over one key chunk, fused so the CPU works on several independent
 * accumulators at once, yet defined (and tested) to give exactly the bits of the {@link FloatOps}
 * primitives they replace:
 * <ul>
 *   <li>{@link #dots}: n scores of one query against n consecutive keys; score j has the bits of
 *       {@code FloatOps.dot(q, qOff, k, kOff + j*d, d)}.</li>
 *   <li>{@link #weightedSum}: {@code acc += Σ p_j·v_j} over the visible keys in key order; the result has
 *       the bits of one {@code FloatOps.axpy(p_j, v, vOff + j*d, acc, accOff, d)} per visible key, in order.</li>
 * </ul>
 * One {@code FloatOps.dot} runs a single accumulator chain, and consecutive {@code axpy} calls into the
 * same accumulator wait on each other's stores; the fused forms compute four dots side by side and keep
 * the accumulator in registers across keys, several times faster, without changing a single rounding.
 *
 * <p>This class is the plain-Java entry point and scalar twin; the Vector API versions live in the
 * package-private {@link VectorChunkKernels}, reached only when {@link Simd#ENABLED} (exactly when
 * {@code FloatOps} itself uses vectors, so the two stay bit-compatible).
 */
final class ChunkKernels {
    private ChunkKernels() {}

    /** Whether the vector twins run: never when the caller forces the scalar path. */
    static boolean vector(boolean forceScalar) {
        return !forceScalar && Simd.ENABLED;
    }

    /**
     * {@code out[outOff + j] = dot(q[qOff, qOff+d), k[kOff + j*d, kOff + (j+1)*d))} for j in [0, n).
     *
     * @param k keys, {@code (n, d)} from kOff
     * @param out scores, {@code (n)} from outOff
     */
    static void dots(boolean vector, float[] q, int qOff, float[] k, int kOff, int d, int n, float[] out, int outOff) {
        if (vector) {
            VectorChunkKernels.dots(q, qOff, k, kOff, d, n, out, outOff);
            return;
        }
        for (int j = 0; j < n; j++) {
            out[outOff + j] = ScalarKernels.dot(q, qOff, k, kOff + j * d, d);
        }
    }

    /**
     * {@code acc[accOff, accOff+d) += p[pOff+j] * v[vOff + j*d, ...)} for each j in [0, n) with
     * {@code vis == null || vis[visOff+j]}, one key after the other.
     *
     * @param v values, {@code (n, d)} from vOff
     * @param acc accumulator, {@code (d)} from accOff
     */
    static void weightedSum(
            boolean vector,
            float[] p,
            int pOff,
            boolean[] vis,
            int visOff,
            int n,
            float[] v,
            int vOff,
            int d,
            float[] acc,
            int accOff) {
        if (vector) {
            VectorChunkKernels.weightedSum(p, pOff, vis, visOff, n, v, vOff, d, acc, accOff);
            return;
        }
        // Element-outer, key-inner: per element the same sequence of y += p*v as axpy key by key.
        for (int i = 0; i < d; i++) {
            float y = acc[accOff + i];
            for (int j = 0; j < n; j++) {
                if (vis == null || vis[visOff + j]) {
                    y += p[pOff + j] * v[vOff + j * d + i];
                }
            }
            acc[accOff + i] = y;
        }
    }
}
