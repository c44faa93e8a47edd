package dev.drafthorse.kernels.attention;

import dev.drafthorse.kernels.tensor.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API twins of {@link ChunkKernels}; only loaded when {@code Simd.ENABLED}. Each replicates the
 * exact operation sequence of the tensor package's vector {@code dot}/{@code axpy} (same preferred
 * species, lane-wise {@code fma} over {@code loopBound(d)}, {@code reduceLanes(ADD)}, then the scalar
 * tail), so results match {@code FloatOps} bit for bit; only independent work is interleaved.
 */
final class VectorChunkKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private VectorChunkKernels() {}

    static void dots(float[] q, int qOff, float[] k, int kOff, int d, int n, float[] out, int outOff) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        int upper = F.loopBound(d);
        int j = 0;
        // Four keys at a time: four independent fma chains share each load of q.
        for (; j + 4 <= n; j += 4) {
            int k0 = kOff + j * d;
            int k1 = k0 + d;
            int k2 = k1 + d;
            int k3 = k2 + d;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            for (int i = 0; i < upper; i += L) {
                FloatVector qv = FloatVector.fromArray(F, q, qOff + i);
                a0 = qv.fma(FloatVector.fromArray(F, k, k0 + i), a0);
                a1 = qv.fma(FloatVector.fromArray(F, k, k1 + i), a1);
                a2 = qv.fma(FloatVector.fromArray(F, k, k2 + i), a2);
                a3 = qv.fma(FloatVector.fromArray(F, k, k3 + i), a3);
            }
            a0.intoArray(lanes, 0);
            a1.intoArray(lanes, L);
            a2.intoArray(lanes, 2 * L);
            a3.intoArray(lanes, 3 * L);
            Lanes.sum4(lanes, 0);
            float s0 = lanes[0];
            float s1 = lanes[1];
            float s2 = lanes[2];
            float s3 = lanes[3];
            for (int i = upper; i < d; i++) {
                float x = q[qOff + i];
                s0 += x * k[k0 + i];
                s1 += x * k[k1 + i];
                s2 += x * k[k2 + i];
                s3 += x * k[k3 + i];
            }
            out[outOff + j] = s0;
            out[outOff + j + 1] = s1;
            out[outOff + j + 2] = s2;
            out[outOff + j + 3] = s3;
        }
        for (; j < n; j++) {
            int k0 = kOff + j * d;
            FloatVector a0 = FloatVector.zero(F);
            for (int i = 0; i < upper; i += L) {
                a0 = FloatVector.fromArray(F, q, qOff + i).fma(FloatVector.fromArray(F, k, k0 + i), a0);
            }
            a0.intoArray(lanes, 0);
            float s0 = Lanes.sum(lanes, 0);
            for (int i = upper; i < d; i++) {
                s0 += q[qOff + i] * k[k0 + i];
            }
            out[outOff + j] = s0;
        }
    }

    /**
     * With a sparse mask ({@code vis} not null) the visible keys go through the dense kernel run by run (maximal
     * runs of consecutive visible keys, in key order). The result is the same: per element, one fma per visible
     * key in key order, the accumulator stored and reloaded exactly between runs. A test of {@code vis} inside the
     * key loop would instead merge the register-held accumulators over two paths, and C2 (JDK 17) then boxes every
     * vector (a FloatVector allocation per key and slab): tree verification spent more time here than in its
     * matrix products.
     */
    static void weightedSum(
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
        if (vis == null) {
            weightedSumDense(p, pOff, n, v, vOff, d, acc, accOff);
            return;
        }
        int j = 0;
        while (j < n) {
            while (j < n && !vis[visOff + j]) {
                j++;
            }
            int first = j;
            while (j < n && vis[visOff + j]) {
                j++;
            }
            if (j > first) {
                weightedSumDense(p, pOff + first, j - first, v, vOff + first * d, d, acc, accOff);
            }
        }
    }

    private static void weightedSumDense(
            float[] p, int pOff, int n, float[] v, int vOff, int d, float[] acc, int accOff) {
        int upper = F.loopBound(d);
        int i = 0;
        // Slabs of 8 vectors stay in registers across all keys: 8 independent fma chains, no stores
        // between keys. Per element this is the fma(v, p, acc) of the vector axpy, key after key.
        for (; i + 8 * L <= upper; i += 8 * L) {
            int a = accOff + i;
            FloatVector a0 = FloatVector.fromArray(F, acc, a);
            FloatVector a1 = FloatVector.fromArray(F, acc, a + L);
            FloatVector a2 = FloatVector.fromArray(F, acc, a + 2 * L);
            FloatVector a3 = FloatVector.fromArray(F, acc, a + 3 * L);
            FloatVector a4 = FloatVector.fromArray(F, acc, a + 4 * L);
            FloatVector a5 = FloatVector.fromArray(F, acc, a + 5 * L);
            FloatVector a6 = FloatVector.fromArray(F, acc, a + 6 * L);
            FloatVector a7 = FloatVector.fromArray(F, acc, a + 7 * L);
            for (int j = 0; j < n; j++) {
                FloatVector pj = FloatVector.broadcast(F, p[pOff + j]);
                int b = vOff + j * d + i;
                a0 = FloatVector.fromArray(F, v, b).fma(pj, a0);
                a1 = FloatVector.fromArray(F, v, b + L).fma(pj, a1);
                a2 = FloatVector.fromArray(F, v, b + 2 * L).fma(pj, a2);
                a3 = FloatVector.fromArray(F, v, b + 3 * L).fma(pj, a3);
                a4 = FloatVector.fromArray(F, v, b + 4 * L).fma(pj, a4);
                a5 = FloatVector.fromArray(F, v, b + 5 * L).fma(pj, a5);
                a6 = FloatVector.fromArray(F, v, b + 6 * L).fma(pj, a6);
                a7 = FloatVector.fromArray(F, v, b + 7 * L).fma(pj, a7);
            }
            a0.intoArray(acc, a);
            a1.intoArray(acc, a + L);
            a2.intoArray(acc, a + 2 * L);
            a3.intoArray(acc, a + 3 * L);
            a4.intoArray(acc, a + 4 * L);
            a5.intoArray(acc, a + 5 * L);
            a6.intoArray(acc, a + 6 * L);
            a7.intoArray(acc, a + 7 * L);
        }
        for (; i + 4 * L <= upper; i += 4 * L) {
            int a = accOff + i;
            FloatVector a0 = FloatVector.fromArray(F, acc, a);
            FloatVector a1 = FloatVector.fromArray(F, acc, a + L);
            FloatVector a2 = FloatVector.fromArray(F, acc, a + 2 * L);
            FloatVector a3 = FloatVector.fromArray(F, acc, a + 3 * L);
            for (int j = 0; j < n; j++) {
                FloatVector pj = FloatVector.broadcast(F, p[pOff + j]);
                int b = vOff + j * d + i;
                a0 = FloatVector.fromArray(F, v, b).fma(pj, a0);
                a1 = FloatVector.fromArray(F, v, b + L).fma(pj, a1);
                a2 = FloatVector.fromArray(F, v, b + 2 * L).fma(pj, a2);
                a3 = FloatVector.fromArray(F, v, b + 3 * L).fma(pj, a3);
            }
            a0.intoArray(acc, a);
            a1.intoArray(acc, a + L);
            a2.intoArray(acc, a + 2 * L);
            a3.intoArray(acc, a + 3 * L);
        }
        for (; i < upper; i += L) {
            int a = accOff + i;
            FloatVector a0 = FloatVector.fromArray(F, acc, a);
            for (int j = 0; j < n; j++) {
                a0 = FloatVector.fromArray(F, v, vOff + j * d + i).fma(FloatVector.broadcast(F, p[pOff + j]), a0);
            }
            a0.intoArray(acc, a);
        }
        // The scalar tail of the vector axpy: y += alpha * x (two roundings, like the original).
        for (; i < d; i++) {
            float y = acc[accOff + i];
            for (int j = 0; j < n; j++) {
                y += p[pOff + j] * v[vOff + j * d + i];
            }
            acc[accOff + i] = y;
        }
    }
}
