package dev.drafthorse.kernels.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Prefill-shaped products (T ≥ 4 inputs) for every format: a block of rows is widened to exact F32 once
 * ({@link WeightMatrix#widen}; F32 weights are used in place), then every group of four inputs is
 * multiplied against it two rows at a time in register tiles. Per (row, input) the vector accumulators,
 * their reduction and the scalar tail are those of the format's direct kernels (the canonical order of
 * {@link WeightMatrix}), so results are bit-identical to one-row products. Only loaded when
 * {@link Simd#ENABLED}.
 *
 * <p>Shapes: W block (blockRows, n) widened; x (T, n); out (T, outStride).
 */
final class Tiles {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final int BLOCK_FLOATS = WeightMatrix.BLOCK_FLOATS;
    /**
     * Whether the four-by-four tile runs: with 512-bit vectors, where x86 has 32 vector registers for its
     * 16 accumulators, 4 weight and 1 input vector (with 256 bits, AVX2's 16 registers would spill).
     */
    static final boolean WIDE = L >= 16;
    /**
     * Whether the four-by-four tiles run natively ({@link NativeKernels#tilesF32}: the same bits, without the Vector
     * API's bounds checks and with the accumulators' registers allocated by gcc): on 16 lanes with the AVX-512 kernels.
     */
    static final boolean NATIVE = L == 16 && NativeKernels.ENABLED && NativeKernels.f32Tiles();
    /**
     * Whether the tiles run natively: on 16 lanes where {@link #NATIVE}, on 8 lanes (256-bit vectors, AVX2) wherever
     * the native kernels run — 2 rows by 4 inputs, the Java 8-lane bits (B = 16 aggregate decode, random 110M F32 with
     * {@code -XX:UseAVX=2}, in one process against the Java tiles: +25%, faster in 8 of 8 rounds; BENCHMARKS.md,
     * eleventh session).
     */
    static final boolean NATIVE_TILES = NATIVE || L == 8 && NativeKernels.ENABLED;

    /**
     * Rows of the first block of a native F32 call (then doubling up to the L2-sized block): the one block whose rows
     * cannot be prefetched while another runs; a step's q/k/v tasks are 64 rows (B = 16 aggregate decode, random 110M
     * F32, in one process alternating with first = block: +4.5%, faster in 10 of 12 rounds; BENCHMARKS.md, eleventh
     * session).
     */
    private static final int FIRST_BLOCK = 4;

    private Tiles() {}

    /** Per-thread buffers, so that prefill allocates nothing per product. */
    private static final class Buffers {
        float[] rows = new float[0]; // (blockRows, n) widened rows
        final float[] acc = new float[16 * L]; // (16, L) unreduced accumulators of a tile
        final float[] odd = new float[16 * L]; // (16, L) the odd accumulators of F16/BF16 tiles
        final float[] sums = new float[16]; // (16) a tile's reduced accumulators
    }

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    static void multiply(WeightMatrix w, int r0, int r1, float[] x, float[] xp, int t, float[] out, int outStride) {
        int n = w.cols();
        boolean half = w.widensDeinterleaved();
        int hn = n / 2;
        float[] xs = half ? xp : x;
        int vec; // values covered by each accumulator walk: full vectors (F32 order) or full 2L chunks' halves
        if (half) {
            vec = (n - n % (2 * L)) / 2;
        } else {
            vec = n - n % L;
        }
        int tail = half ? 2 * vec : vec; // first element of the scalar tail, in element order
        Buffers buf = BUFFERS.get();
        float[] acc = buf.acc;
        float[] odd = buf.odd;
        float[] sums = buf.sums;
        F32Matrix f32 = w instanceof F32Matrix f ? f : null;
        float[] inPlace = f32 != null ? f32.values() : null;
        // blocks of whole tiles: four rows where the four-row tile runs (42 rows left two to the slower 2x4 tile)
        int blockRows = Math.max(2, Math.min(r1 - r0, BLOCK_FLOATS / n) & (WIDE ? ~3 : ~1));
        if (inPlace == null && buf.rows.length < blockRows * n) {
            buf.rows = new float[blockRows * n];
        }
        float[] wb = inPlace != null ? inPlace : buf.rows;
        // F32 read in place, natively: the whole range's rows in fours by the inputs in fours in one call, blocked
        // inside (the next block prefetched while one runs); rows [r0, nativeEnd) are done for inputs [0, t & ~3)
        int nativeEnd = r0;
        boolean oneCall = NATIVE_TILES && inPlace != null && vec > 0 && t >= 4;
        if (oneCall) {
            nativeEnd = r0 + ((r1 - r0) & ~3);
            int block = Math.max(4, blockRows & ~3);
            if (nativeEnd > r0) {
                nativeTiles(
                        wb,
                        f32.offset() + r0 * n,
                        n,
                        nativeEnd - r0,
                        block,
                        xs,
                        t & ~3,
                        vec,
                        false,
                        x,
                        tail,
                        r0,
                        out,
                        outStride);
            }
        }
        for (int rc = r0; rc < r1; rc += blockRows) {
            int re = Math.min(r1, rc + blockRows);
            int base; // wb offset of row rc
            if (inPlace != null) {
                base = f32.offset() + rc * n;
            } else {
                base = 0;
                w.widenRows(rc, re, wb, 0);
            }
            // whole four-by-four tiles natively where they run, the rest (and everything elsewhere) below
            int nativeRows;
            if (oneCall) {
                nativeRows = Math.max(0, Math.min(re, nativeEnd) - rc);
            } else {
                nativeRows = NATIVE_TILES && vec > 0 ? (re - rc) & ~3 : 0;
                if (nativeRows > 0 && t >= 4) {
                    nativeTiles(
                            wb, base, n, nativeRows, nativeRows, xs, t & ~3, vec, half, x, tail, rc, out, outStride);
                }
            }
            int i = 0;
            for (; i + 4 <= t; i += 4) {
                int r = rc + nativeRows;
                for (; WIDE && r + 4 <= re; r += 4) {
                    int wa = base + (r - rc) * n;
                    if (half) { // the odd values' accumulators first, added to the even ones' before the tree
                        tile4x4(wb, wa + hn, n, xs, i * n + hn, n, vec, null, false, odd);
                    }
                    if (Lanes.TREE16) {
                        tile4x4(wb, wa, n, xs, i * n, n, vec, half ? odd : null, true, sums);
                    } else {
                        tile4x4(wb, wa, n, xs, i * n, n, vec, null, false, acc);
                        reduce(acc, odd, half, 16, sums);
                    }
                    store(sums, 4, 4, out, outStride, i, r, wb, wa, n, half, x, tail);
                }
                for (; r + 2 <= re; r += 2) {
                    int wa = base + (r - rc) * n;
                    tile2x4(wb, wa, n, xs, i * n, n, vec, acc);
                    if (half) {
                        tile2x4(wb, wa + hn, n, xs, i * n + hn, n, vec, odd);
                    }
                    reduce(acc, odd, half, 8, sums);
                    store(sums, 2, 4, out, outStride, i, r, wb, wa, n, half, x, tail);
                }
                if (r < re) {
                    int wa = base + (r - rc) * n;
                    tile1x4(wb, wa, xs, i * n, n, vec, acc);
                    if (half) {
                        tile1x4(wb, wa + hn, xs, i * n + hn, n, vec, odd);
                    }
                    reduce(acc, odd, half, 4, sums);
                    store(sums, 1, 4, out, outStride, i, r, wb, wa, n, half, x, tail);
                }
            }
            for (; i < t; i++) {
                int r = rc;
                for (; r + 4 <= re; r += 4) {
                    int wa = base + (r - rc) * n;
                    tile4x1(wb, wa, n, xs, i * n, vec, acc);
                    if (half) {
                        tile4x1(wb, wa + hn, n, xs, i * n + hn, vec, odd);
                    }
                    reduce(acc, odd, half, 4, sums);
                    store(sums, 4, 1, out, outStride, i, r, wb, wa, n, half, x, tail);
                }
                for (; r < re; r++) {
                    int wa = base + (r - rc) * n;
                    tile1x1(wb, wa, xs, i * n, vec, acc);
                    if (half) {
                        tile1x1(wb, wa + hn, xs, i * n + hn, vec, odd);
                    }
                    reduce(acc, odd, half, 1, sums);
                    store(sums, 1, 1, out, outStride, i, r, wb, wa, n, half, x, tail);
                }
            }
        }
    }

    /**
     * Rows [rc, rc + rows) by inputs [0, t) through {@link NativeKernels#tilesF32} in blocks of {@code block} rows,
     * straight into out, tails added here.
     */
    private static void nativeTiles(
            float[] wb,
            int base,
            int n,
            int rows,
            int block,
            float[] xs,
            int t,
            int vec,
            boolean half,
            float[] x,
            int tail,
            int rc,
            float[] out,
            int outStride) {
        if (base < 0
                || base + (long) rows * n > wb.length
                || (long) t * n > xs.length
                || (long) t * n > x.length
                || rc < 0
                || rows > outStride - rc
                || (long) (t - 1) * outStride + rc + rows > out.length) {
            throw new IllegalStateException("tile block out of range: " + rows + " rows of " + n + " at " + base);
        }
        NativeKernels.tilesF32(
                wb,
                base,
                n,
                rows,
                Math.min(block, FIRST_BLOCK),
                block,
                xs,
                t,
                vec,
                half ? n / 2 : 0,
                out,
                rc,
                outStride,
                L);
        if (tail < n) {
            for (int j = 0; j < t; j++) {
                for (int q = 0; q < rows; q++) {
                    int o = j * outStride + rc + q;
                    out[o] = tailFold(out[o], wb, base + q * n, n, half, x, j * n, tail);
                }
            }
        }
    }

    /**
     * A tile's results into out: for inputs i + j (j < inputs) and rows r + q (q < rows), the reduced sum
     * sums[rows·j + q] plus that pair's scalar tail. The row of r + q is widened at wa + q·n in wb.
     */
    private static void store(
            float[] sums,
            int rows,
            int inputs,
            float[] out,
            int outStride,
            int i,
            int r,
            float[] wb,
            int wa,
            int n,
            boolean half,
            float[] x,
            int tail) {
        for (int j = 0; j < inputs; j++) {
            for (int q = 0; q < rows; q++) {
                out[(i + j) * outStride + r + q] =
                        tailFold(sums[rows * j + q], wb, wa + q * n, n, half, x, (i + j) * n, tail);
            }
        }
    }

    /**
     * The scalar tail of the canonical order: v (the reduced vector part) plus w·x for elements [from, n)
     * one at a time in element order; wb holds the widened row at wa (F16/BF16 de-interleaved).
     */
    private static float tailFold(float v, float[] wb, int wa, int n, boolean half, float[] x, int xOff, int from) {
        int hn = n / 2;
        for (int e = from; e < n; e++) {
            int k;
            if (!half) {
                k = e;
            } else if (e % 2 == 0) {
                k = e / 2;
            } else {
                k = hn + e / 2;
            }
            v += wb[wa + k] * x[xOff + e];
        }
        return v;
    }

    // ---- Register tiles: two rows by four inputs, eight independent vector accumulators (enough to keep
    // both FMA pipes busy), each walked along its (row, input) pair in the canonical order. The callers
    // keep a block of rows widened in cache and a block of four inputs in L1, so each weight vector loaded
    // serves four inputs and each input vector two rows.

    /**
     * acc[k·L, (k+1)·L) for k = 2·j + r (inputs j < 4, rows r < 2) = the unreduced vector accumulator of
     * w[wa + r·ws, ...) · x[xa + j·xs, ...) over len values (a multiple of L), from zero.
     */
    static void tile2x4(float[] w, int wa, int ws, float[] x, int xa, int xs, int len, float[] acc) {
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        int wb = wa + ws;
        for (int i = 0; i < len; i += L) {
            FloatVector w0 = FloatVector.fromArray(F, w, wa + i);
            FloatVector w1 = FloatVector.fromArray(F, w, wb + i);
            FloatVector x0 = FloatVector.fromArray(F, x, xa + i);
            a00 = w0.fma(x0, a00);
            a01 = w1.fma(x0, a01);
            FloatVector x1 = FloatVector.fromArray(F, x, xa + xs + i);
            a10 = w0.fma(x1, a10);
            a11 = w1.fma(x1, a11);
            FloatVector x2 = FloatVector.fromArray(F, x, xa + 2 * xs + i);
            a20 = w0.fma(x2, a20);
            a21 = w1.fma(x2, a21);
            FloatVector x3 = FloatVector.fromArray(F, x, xa + 3 * xs + i);
            a30 = w0.fma(x3, a30);
            a31 = w1.fma(x3, a31);
        }
        a00.intoArray(acc, 0);
        a01.intoArray(acc, L);
        a10.intoArray(acc, 2 * L);
        a11.intoArray(acc, 3 * L);
        a20.intoArray(acc, 4 * L);
        a21.intoArray(acc, 5 * L);
        a30.intoArray(acc, 6 * L);
        a31.intoArray(acc, 7 * L);
    }

    /**
     * As {@link #tile2x4} for four rows: the accumulators k = 4·j + r (inputs j < 4, rows r < 4). Eight loads serve
     * sixteen multiply-adds (tile2x4: six for eight). With {@code sum} on 16 lanes ({@link Lanes#TREE16}) the tile
     * reduces in registers: out[k] is the {@link Lanes#sum} tree of accumulator k, by the pairings TREE16 describes,
     * each accumulator first added to plus[k·L, ...) when plus is given (F16/BF16: the odd values' accumulators). Storing
     * the sixteen accumulators and loading them back for the reduction cost a fifth of the tile's time. Otherwise (or
     * on other vector sizes) out[k·L, (k+1)·L) gets accumulator k, unreduced.
     */
    static void tile4x4(
            float[] w, int wa, int ws, float[] x, int xa, int xs, int len, float[] plus, boolean sum, float[] out) {
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = a00;
        FloatVector a02 = a00;
        FloatVector a03 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a12 = a00;
        FloatVector a13 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a22 = a00;
        FloatVector a23 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        FloatVector a32 = a00;
        FloatVector a33 = a00;
        int wb = wa + ws;
        int wc = wb + ws;
        int wd = wc + ws;
        for (int i = 0; i < len; i += L) {
            FloatVector w0 = FloatVector.fromArray(F, w, wa + i);
            FloatVector w1 = FloatVector.fromArray(F, w, wb + i);
            FloatVector w2 = FloatVector.fromArray(F, w, wc + i);
            FloatVector w3 = FloatVector.fromArray(F, w, wd + i);
            FloatVector x0 = FloatVector.fromArray(F, x, xa + i);
            a00 = w0.fma(x0, a00);
            a01 = w1.fma(x0, a01);
            a02 = w2.fma(x0, a02);
            a03 = w3.fma(x0, a03);
            FloatVector x1 = FloatVector.fromArray(F, x, xa + xs + i);
            a10 = w0.fma(x1, a10);
            a11 = w1.fma(x1, a11);
            a12 = w2.fma(x1, a12);
            a13 = w3.fma(x1, a13);
            FloatVector x2 = FloatVector.fromArray(F, x, xa + 2 * xs + i);
            a20 = w0.fma(x2, a20);
            a21 = w1.fma(x2, a21);
            a22 = w2.fma(x2, a22);
            a23 = w3.fma(x2, a23);
            FloatVector x3 = FloatVector.fromArray(F, x, xa + 3 * xs + i);
            a30 = w0.fma(x3, a30);
            a31 = w1.fma(x3, a31);
            a32 = w2.fma(x3, a32);
            a33 = w3.fma(x3, a33);
        }
        if (!sum || !Lanes.TREE16) {
            a00.intoArray(out, 0);
            a01.intoArray(out, L);
            a02.intoArray(out, 2 * L);
            a03.intoArray(out, 3 * L);
            a10.intoArray(out, 4 * L);
            a11.intoArray(out, 5 * L);
            a12.intoArray(out, 6 * L);
            a13.intoArray(out, 7 * L);
            a20.intoArray(out, 8 * L);
            a21.intoArray(out, 9 * L);
            a22.intoArray(out, 10 * L);
            a23.intoArray(out, 11 * L);
            a30.intoArray(out, 12 * L);
            a31.intoArray(out, 13 * L);
            a32.intoArray(out, 14 * L);
            a33.intoArray(out, 15 * L);
            return;
        }
        if (plus != null) {
            a00 = a00.add(FloatVector.fromArray(F, plus, 0));
            a01 = a01.add(FloatVector.fromArray(F, plus, L));
            a02 = a02.add(FloatVector.fromArray(F, plus, 2 * L));
            a03 = a03.add(FloatVector.fromArray(F, plus, 3 * L));
            a10 = a10.add(FloatVector.fromArray(F, plus, 4 * L));
            a11 = a11.add(FloatVector.fromArray(F, plus, 5 * L));
            a12 = a12.add(FloatVector.fromArray(F, plus, 6 * L));
            a13 = a13.add(FloatVector.fromArray(F, plus, 7 * L));
            a20 = a20.add(FloatVector.fromArray(F, plus, 8 * L));
            a21 = a21.add(FloatVector.fromArray(F, plus, 9 * L));
            a22 = a22.add(FloatVector.fromArray(F, plus, 10 * L));
            a23 = a23.add(FloatVector.fromArray(F, plus, 11 * L));
            a30 = a30.add(FloatVector.fromArray(F, plus, 12 * L));
            a31 = a31.add(FloatVector.fromArray(F, plus, 13 * L));
            a32 = a32.add(FloatVector.fromArray(F, plus, 14 * L));
            a33 = a33.add(FloatVector.fromArray(F, plus, 15 * L));
        }
        // halves: accumulators k and k + 1 (k even) share a vector, k's partial sums low, k + 1's high
        VectorMask<Float> upper = Lanes.UPPER_HALF;
        VectorShuffle<Float> halves = Lanes.SWAP_HALVES;
        FloatVector h0 = a00.blend(a01, upper).add(a01.blend(a00, upper).rearrange(halves));
        FloatVector h1 = a02.blend(a03, upper).add(a03.blend(a02, upper).rearrange(halves));
        FloatVector h2 = a10.blend(a11, upper).add(a11.blend(a10, upper).rearrange(halves));
        FloatVector h3 = a12.blend(a13, upper).add(a13.blend(a12, upper).rearrange(halves));
        FloatVector h4 = a20.blend(a21, upper).add(a21.blend(a20, upper).rearrange(halves));
        FloatVector h5 = a22.blend(a23, upper).add(a23.blend(a22, upper).rearrange(halves));
        FloatVector h6 = a30.blend(a31, upper).add(a31.blend(a30, upper).rearrange(halves));
        FloatVector h7 = a32.blend(a33, upper).add(a33.blend(a32, upper).rearrange(halves));
        // quarters, eighths, neighbouring lanes: each stage pairs two vectors (Lanes.TREE16)
        VectorMask<Float> oddQuarters = Lanes.ODD_QUARTERS;
        VectorShuffle<Float> quarters = Lanes.SWAP_QUARTERS;
        FloatVector q0 = h0.blend(h1, oddQuarters).add(h1.blend(h0, oddQuarters).rearrange(quarters));
        FloatVector q1 = h2.blend(h3, oddQuarters).add(h3.blend(h2, oddQuarters).rearrange(quarters));
        FloatVector q2 = h4.blend(h5, oddQuarters).add(h5.blend(h4, oddQuarters).rearrange(quarters));
        FloatVector q3 = h6.blend(h7, oddQuarters).add(h7.blend(h6, oddQuarters).rearrange(quarters));
        VectorMask<Float> oddEighths = Lanes.ODD_EIGHTHS;
        VectorShuffle<Float> eighths = Lanes.SWAP_EIGHTHS;
        FloatVector e0 = q0.blend(q1, oddEighths).add(q1.blend(q0, oddEighths).rearrange(eighths));
        FloatVector e1 = q2.blend(q3, oddEighths).add(q3.blend(q2, oddEighths).rearrange(eighths));
        VectorMask<Float> oddLanes = Lanes.ODD_LANES;
        FloatVector s = e0.blend(e1, oddLanes).add(e1.blend(e0, oddLanes).rearrange(Lanes.SWAP_SIXTEENTHS));
        s.rearrange(Lanes.BIT_REVERSED).intoArray(out, 0);
    }

    /** As {@link #tile2x4} for one row: acc[j·L, ...) for inputs j < 4. */
    static void tile1x4(float[] w, int wa, float[] x, int xa, int xs, int len, float[] acc) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int i = 0; i < len; i += L) {
            FloatVector w0 = FloatVector.fromArray(F, w, wa + i);
            a0 = w0.fma(FloatVector.fromArray(F, x, xa + i), a0);
            a1 = w0.fma(FloatVector.fromArray(F, x, xa + xs + i), a1);
            a2 = w0.fma(FloatVector.fromArray(F, x, xa + 2 * xs + i), a2);
            a3 = w0.fma(FloatVector.fromArray(F, x, xa + 3 * xs + i), a3);
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, L);
        a2.intoArray(acc, 2 * L);
        a3.intoArray(acc, 3 * L);
    }

    /** As {@link #tile2x4} for four rows (w[wa + r·ws, ...)) and one input: acc[r·L, ...) for rows r < 4. */
    static void tile4x1(float[] w, int wa, int ws, float[] x, int xa, int len, float[] acc) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int i = 0; i < len; i += L) {
            FloatVector x0 = FloatVector.fromArray(F, x, xa + i);
            a0 = FloatVector.fromArray(F, w, wa + i).fma(x0, a0);
            a1 = FloatVector.fromArray(F, w, wa + ws + i).fma(x0, a1);
            a2 = FloatVector.fromArray(F, w, wa + 2 * ws + i).fma(x0, a2);
            a3 = FloatVector.fromArray(F, w, wa + 3 * ws + i).fma(x0, a3);
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, L);
        a2.intoArray(acc, 2 * L);
        a3.intoArray(acc, 3 * L);
    }

    /** As {@link #tile2x4} for one row and one input: acc[0, L). */
    static void tile1x1(float[] w, int wa, float[] x, int xa, int len, float[] acc) {
        FloatVector a0 = FloatVector.zero(F);
        for (int i = 0; i < len; i += L) {
            a0 = FloatVector.fromArray(F, w, wa + i).fma(FloatVector.fromArray(F, x, xa + i), a0);
        }
        a0.intoArray(acc, 0);
    }

    /**
     * The reduction of the canonical order for a tile's first {@code count} accumulators (1 or a multiple of 4): for
     * F16/BF16 the even plus the odd accumulator, then each summed across lanes ({@link Lanes#sum4} four at a
     * time), into sums[0, count). acc (and odd) are the tile's scratch: overwritten.
     */
    static void reduce(float[] acc, float[] odd, boolean half, int count, float[] sums) {
        if (half) {
            for (int k = 0; k < count; k++) {
                FloatVector.fromArray(F, acc, k * L)
                        .add(FloatVector.fromArray(F, odd, k * L))
                        .intoArray(acc, k * L);
            }
        }
        if (count == 1) {
            sums[0] = Lanes.sum(acc, 0);
            return;
        }
        for (int g = 0; g < count; g += 4) {
            Lanes.sum4(acc, g * L);
            for (int k = 0; k < 4; k++) {
                sums[g + k] = acc[g * L + k];
            }
        }
    }
}
