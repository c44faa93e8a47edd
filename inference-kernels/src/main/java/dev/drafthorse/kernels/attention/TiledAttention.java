package dev.drafthorse.kernels.attention;

import dev.drafthorse.kernels.tensor.FloatOps;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tensor.ScalarKernels;
import java.util.Arrays;

/**
 * Multi-head attention in the style of FlashAttention-2, for the CPU: keys and values are streamed in
 * small tiles through an online softmax, so memory stays O(T·d) plus a few tiles per thread instead of
 * a T×kvLen score matrix, and each tile, once loaded into cache, is reused by a whole block of queries
 * and by every query head of a grouped-query group.
 *
 * <h2>The canonical reduction</h2>
 * Batch inference needs the output of one query to be bit-identical whether it was computed in a long
 * prefill or in a one-token decode step, and whatever the thread count. Floating-point sums are not
 * associative, so the kernel fixes one order of operations per (query, head) and every execution path
 * follows it exactly:
 * <ol>
 *   <li>Keys are cut into chunks of {@link #KEY_BLOCK} positions at fixed boundaries:
 *       chunk c = [c·KEY_BLOCK, (c+1)·KEY_BLOCK), independent of T, of the query block and of threads.</li>
 *   <li>For every chunk with at least one visible key, in key order and in float: scores
 *       {@code s = FloatOps.dot(q, k)·scale}, then {@code s = cap·tanh(s/cap)} when the call
 *       soft-caps; {@code m_c} = their max; {@code p = (float) exp(s − m_c)};
 *       {@code l_c = Σ p}; {@code acc_c = Σ p·v} (zeroed, then one {@code axpy} per key).
 *       Chunks the query cannot see at all are skipped (those wholly below the mask's
 *       {@link AttentionMask#first first} visible key without even asking the mask).</li>
 *   <li>The chunk triples are merged into the running (m, l, acc) strictly in chunk order: the first one is
 *       taken as is; then {@code m' = max(m, m_c)}, {@code a = exp(m − m')}, {@code b = exp(m_c − m')},
 *       {@code acc = acc·a + acc_c·b} (a {@code scale}, skipped when a is exactly 1, then an
 *       {@code axpy}), {@code l = l·a + l_c·b}.</li>
 *   <li>{@code out = acc / l}; a query that sees no key gets zeros.</li>
 * </ol>
 * The chunk-local triple (rather than rescaling one accumulator key by key, as GPU kernels do) is what
 * lets a split across threads reproduce the single-thread result: the only cross-chunk operation is
 * the ordered merge.
 *
 * <h2>Two schedules of the same reduction</h2>
 * <ul>
 *   <li><b>Query blocks</b> (prefill, or decode with enough heads to keep the threads busy): one task per
 *       (block of queries, kv head). It walks the key chunks in order, loads each K/V tile once, computes
 *       the triple of every (query, query head of the group) and merges it at once.</li>
 *   <li><b>Key split</b> (decode with few kv heads): with one query there is no query parallelism, so one
 *       task per (key chunk, kv head) computes the triples of all queries for that chunk into a buffer;
 *       the calling thread then merges the buffered triples per (query, head) in chunk order. Chunks go in
 *       waves of at most {@link #SPLIT_WAVE_CHUNKS} so the buffer does not grow with the context.</li>
 * </ul>
 * Vector and scalar runs differ only in the {@code dot}/{@code axpy}/{@code scale} kernels. The score
 * and value loops run through {@link ChunkKernels}, fused forms that reproduce those primitives bit for
 * bit (four dots side by side, the value accumulator kept in registers across a chunk's keys): the
 * definition is unchanged, they are just several times faster than one primitive call per key.
 *
 * <p>Instances are thread-safe and keep their scratch (tiles, running state) per thread, so
 * steady-state calls allocate almost nothing.
 */
public final class TiledAttention {
    /**
     * Keys per chunk of the canonical reduction. Changing it changes results in the last bits, so it is a
     * constant, never a tuning knob derived from the machine.
     */
    public static final int KEY_BLOCK = 64;

    /** Queries per task on the query-block schedule (a tuning knob: results do not depend on it). */
    public static final int DEFAULT_QUERY_BLOCK = 64;

    /** Chunks buffered per wave on the key-split schedule. */
    static final int SPLIT_WAVE_CHUNKS = 64;

    /** Upper bound on the floats of buffered triples per key-split wave (4 MiB), unless one chunk needs more. */
    static final long SPLIT_BUFFER_FLOATS = 1 << 20;

    /** Which schedule runs; tests pin one to check both follow the canonical reduction. */
    enum Schedule {
        AUTO,
        QUERY_BLOCKS,
        KEY_SPLIT
    }

    private final int queryBlock;
    private final boolean scalar;
    private final boolean vector; // the fused chunk kernels' vector twins run
    private final Schedule schedule;
    private final ThreadLocal<Scratch> taskScratch = ThreadLocal.withInitial(Scratch::new); // one task's
    private final ThreadLocal<Scratch> mergeScratch = ThreadLocal.withInitial(Scratch::new); // key split's merge

    /** Default query block, vector kernels when {@link dev.drafthorse.kernels.tensor.Simd#ENABLED}. */
    public TiledAttention() {
        this(DEFAULT_QUERY_BLOCK);
    }

    /** @param queryBlock queries per task on the prefill schedule, at least 1 */
    public TiledAttention(int queryBlock) {
        this(queryBlock, false, Schedule.AUTO);
    }

    /**
     * @param scalar force the scalar reference kernels even when the vector ones are available
     * @param schedule pin a schedule (tests) or {@link Schedule#AUTO}
     */
    TiledAttention(int queryBlock, boolean scalar, Schedule schedule) {
        if (queryBlock < 1) {
            throw new IllegalArgumentException("queryBlock must be >= 1, got " + queryBlock);
        }
        if (schedule == null) {
            throw new IllegalArgumentException("schedule must not be null");
        }
        this.queryBlock = queryBlock;
        this.scalar = scalar;
        this.vector = ChunkKernels.vector(scalar);
        this.schedule = schedule;
    }

    /**
     * Attention of T queries against the keys and values in {@code kv}.
     *
     * @param q queries, {@code (T, nHeads*headDim)}, query head h at offset h*headDim of its row
     * @param T number of queries (rows of q and out), at least 0
     * @param nHeads query heads, a multiple of {@code kv.kvHeads()}; head h reads kv head
     *     {@code h / (nHeads / kvHeads)}
     * @param kv keys and values; every mask limit must be within its capacity
     * @param mask which keys each query sees
     * @param scale score scale, usually 1/sqrt(headDim)
     * @param out result, {@code (T, nHeads*headDim)}; must not alias q
     * @param par the thread pool; results do not depend on its size
     */
    public void attend(
            float[] q, int T, int nHeads, KvStore kv, AttentionMask mask, float scale, float[] out, Parallel par) {
        attend(q, 0, T, nHeads, kv, mask, scale, 0f, out, 0, par);
    }

    /**
     * As {@link #attend(float[], int, int, KvStore, AttentionMask, float, float[], Parallel)}, for T query
     * rows that start at row {@code row0} of q and out (one sequence's share of a batched pass, with no
     * copy), and with optional soft-capping of the scores: {@code s = cap·tanh(s/cap)} after the scale
     * (Gemma 2). The capped score is what the canonical reduction's steps then use.
     *
     * @param row0 first query row of q
     * @param softcap the cap, or 0 for none
     * @param row0Out first output row of out
     */
    public void attend(
            float[] q,
            int row0,
            int T,
            int nHeads,
            KvStore kv,
            AttentionMask mask,
            float scale,
            float softcap,
            float[] out,
            int row0Out,
            Parallel par) {
        if (row0 < 0 || row0Out < 0) {
            throw new IllegalArgumentException("row offsets must be >= 0, got " + row0 + " and " + row0Out);
        }
        if (!(softcap >= 0f) || Float.isInfinite(softcap)) {
            throw new IllegalArgumentException("softcap must be finite and >= 0, got " + softcap);
        }
        int width = nHeads * (kv == null ? 0 : kv.headDim());
        int[] limits = AttentionArgs.check(
                q,
                row0 * width,
                T,
                nHeads,
                kv,
                mask,
                scale,
                out == null ? 0 : out.length,
                row0Out * width,
                out == null); // (T)
        if (par == null) {
            throw new IllegalArgumentException("par must not be null");
        }
        if (T == 0) {
            return;
        }
        Call call = new Call(
                q,
                row0 * width,
                T,
                nHeads,
                kv,
                mask.causal() ? null : mask,
                scale,
                softcap,
                out,
                row0Out * width,
                limits);
        if (useKeySplit(call, par.threads())) {
            keySplit(call, par);
        } else {
            queryBlocks(call, par);
        }
    }

    private boolean useKeySplit(Call c, int threads) {
        switch (schedule) {
            case KEY_SPLIT:
                return true;
            case QUERY_BLOCKS:
                return false;
            default:
                int blocks = (c.T + queryBlock - 1) / queryBlock;
                int chunks = (c.maxLimit + KEY_BLOCK - 1) / KEY_BLOCK;
                // Split keys only when query tasks would leave threads idle and there are keys to share.
                return threads > 1 && blocks * c.kvHeads < 2 * threads && chunks >= 2 * threads;
        }
    }

    /** The arguments of one call, shared read-only by its tasks. */
    private static final class Call {
        final float[] q; // (T, nHeads*headDim) from qBase
        final int qBase;
        final int T;
        final int nHeads;
        final int kvHeads;
        final int group;
        final int d;
        final KvStore kv;
        final AttentionMask sparse; // null when every key below the limit is visible
        final float scale;
        final float softcap; // 0 for none
        final float[] out; // (T, nHeads*headDim) from outBase
        final int outBase;
        final int[] limits; // (T)
        final int maxLimit;
        final int[] firsts; // (T) first key each query may see, or null when all start at 0
        final int minFirst;

        Call(
                float[] q,
                int qBase,
                int T,
                int nHeads,
                KvStore kv,
                AttentionMask sparse,
                float scale,
                float softcap,
                float[] out,
                int outBase,
                int[] limits) {
            this.q = q;
            this.qBase = qBase;
            this.T = T;
            this.nHeads = nHeads;
            this.kvHeads = kv.kvHeads();
            this.group = nHeads / kvHeads;
            this.d = kv.headDim();
            this.kv = kv;
            this.sparse = sparse;
            this.scale = scale;
            this.softcap = softcap;
            this.out = out;
            this.outBase = outBase;
            this.limits = limits;
            int max = 0;
            for (int limit : limits) {
                max = Math.max(max, limit);
            }
            this.maxLimit = max;
            int[] f = null;
            int min = 0;
            if (sparse != null) {
                f = new int[T];
                min = Integer.MAX_VALUE;
                for (int t = 0; t < T; t++) {
                    f[t] = sparse.first(t);
                    min = Math.min(min, f[t]);
                }
            }
            this.firsts = f;
            this.minFirst = min;
        }

        int qOff(int t, int h) {
            return qBase + (t * nHeads + h) * d;
        }

        int outOff(int t, int h) {
            return outBase + (t * nHeads + h) * d;
        }
    }

    // ---------------------------------------------------------------- query-block schedule

    private void queryBlocks(Call c, Parallel par) {
        int blocks = (c.T + queryBlock - 1) / queryBlock;
        // Later blocks of a causal prefill see more keys: hand them out first so the short ones fill the
        // gaps at the end instead of one long block finishing alone.
        par.forEachChunk(blocks * c.kvHeads, item -> {
            Scratch s = acquire(taskScratch, c.d, queryBlock * c.group);
            queryBlock(s, c, blocks - 1 - item / c.kvHeads, item % c.kvHeads);
        });
    }

    /** One (query block, kv head): every chunk in order, each tile loaded once for all its queries and heads. */
    private void queryBlock(Scratch s, Call c, int block, int kvHead) {
        int t0 = block * queryBlock;
        int t1 = Math.min(c.T, t0 + queryBlock);
        int d = c.d;
        int group = c.group;
        int h0 = kvHead * group;
        // Running state, row r = (t - t0) * group + (h - h0): m (rows), l (rows), acc (rows, headDim).
        Arrays.fill(s.runL, 0, (t1 - t0) * group, 0f);
        int blockLimit = 0;
        int blockFirst = Integer.MAX_VALUE;
        for (int t = t0; t < t1; t++) {
            blockLimit = Math.max(blockLimit, c.limits[t]);
            blockFirst = Math.min(blockFirst, c.firsts == null ? 0 : c.firsts[t]);
        }
        // Chunks wholly below every query's first visible key hold nothing to merge: start after them.
        for (int key0 = blockFirst / KEY_BLOCK * KEY_BLOCK; key0 < blockLimit; key0 += KEY_BLOCK) {
            int tileKeys = Math.min(KEY_BLOCK, blockLimit - key0);
            boolean loaded = false; // a tile no query of the block sees is never read
            for (int t = t0; t < t1; t++) {
                int n = Math.min(c.limits[t] - key0, tileKeys); // keys of this chunk below the query's limit
                if (n <= 0 || belowFirst(c, t, key0, n) || !visibleRow(s, c, t, key0, n)) {
                    continue;
                }
                if (!loaded) {
                    load(s, c.kv, kvHead, key0, tileKeys);
                    loaded = true;
                }
                boolean[] vis = c.sparse == null ? null : s.vis;
                for (int g = 0; g < group; g++) {
                    int r = (t - t0) * group + g;
                    int qOff = c.qOff(t, h0 + g);
                    if (s.runL[r] == 0f) {
                        // First visible chunk of this row: its triple is the running state, no merge.
                        chunkTriple(s, c, qOff, n, vis, s.runAcc, r * d);
                        s.runM[r] = s.mC;
                        s.runL[r] = s.lC;
                    } else {
                        chunkTriple(s, c, qOff, n, vis, s.accC, 0);
                        merge(s.runM, s.runL, r, s.runAcc, r * d, s.mC, s.lC, s.accC, 0, d);
                    }
                }
            }
        }
        for (int t = t0; t < t1; t++) {
            for (int g = 0; g < group; g++) {
                int r = (t - t0) * group + g;
                finish(s.runL[r], s.runAcc, r * d, c.out, c.outOff(t, h0 + g), d);
            }
        }
    }

    // ---------------------------------------------------------------- key-split schedule

    private void keySplit(Call c, Parallel par) {
        int d = c.d;
        int rows = c.T * c.nHeads;
        int chunks = (c.maxLimit + KEY_BLOCK - 1) / KEY_BLOCK;
        // Buffered triples stay under SPLIT_BUFFER_FLOATS, however many queries and heads share the wave.
        long perChunk = (long) rows * (d + 2);
        int wave = (int) Math.max(1, Math.min(Math.min(chunks, SPLIT_WAVE_CHUNKS), SPLIT_BUFFER_FLOATS / perChunk));
        Scratch main = acquire(mergeScratch, d, 0);
        main.prepareSplit(rows, wave, d);
        // Running state per (t, h): runM/runL (T, nHeads), runAcc (T, nHeads, headDim).
        Arrays.fill(main.runL, 0, rows, 0f);
        float[] waveM = main.waveM; // (wave, T, nHeads)
        float[] waveL = main.waveL; // (wave, T, nHeads)
        float[] waveAcc = main.waveAcc; // (wave, T, nHeads, headDim)
        for (int c0 = c.minFirst / KEY_BLOCK; c0 < chunks; c0 += wave) {
            int first = c0;
            int n = Math.min(wave, chunks - c0);
            par.forEachChunk(n * c.kvHeads, item -> {
                Scratch s = acquire(taskScratch, d, 0);
                splitChunk(
                        s,
                        c,
                        first + item / c.kvHeads,
                        item % c.kvHeads,
                        item / c.kvHeads * rows,
                        waveM,
                        waveL,
                        waveAcc);
            });
            // The only cross-chunk step, sequential and in chunk order for every (query, head).
            for (int w = 0; w < n; w++) {
                for (int r = 0; r < rows; r++) {
                    int slot = w * rows + r;
                    if (waveL[slot] == 0f) {
                        continue; // the query sees nothing in this chunk
                    }
                    if (main.runL[r] == 0f) {
                        main.runM[r] = waveM[slot];
                        main.runL[r] = waveL[slot];
                        System.arraycopy(waveAcc, slot * d, main.runAcc, r * d, d);
                    } else {
                        merge(
                                main.runM,
                                main.runL,
                                r,
                                main.runAcc,
                                r * d,
                                waveM[slot],
                                waveL[slot],
                                waveAcc,
                                slot * d,
                                d);
                    }
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            finish(main.runL[r], main.runAcc, r * d, c.out, c.outBase + r * d, d);
        }
    }

    /** The triples of one chunk for every query and head of one kv head, into wave slot rows [base, base+rows). */
    private void splitChunk(
            Scratch s, Call c, int chunk, int kvHead, int base, float[] waveM, float[] waveL, float[] waveAcc) {
        int key0 = chunk * KEY_BLOCK;
        boolean loaded = false;
        for (int t = 0; t < c.T; t++) {
            int n = Math.min(c.limits[t] - key0, KEY_BLOCK);
            boolean sees = n > 0 && !belowFirst(c, t, key0, n) && visibleRow(s, c, t, key0, n);
            if (sees && !loaded) {
                int tileKeys = Math.min(KEY_BLOCK, c.maxLimit - key0); // no query needs keys past maxLimit
                load(s, c.kv, kvHead, key0, tileKeys);
                loaded = true;
            }
            for (int g = 0; g < c.group; g++) {
                int slot = base + t * c.nHeads + kvHead * c.group + g;
                if (!sees) {
                    waveL[slot] = 0f; // the merge skips this chunk for this row
                    continue;
                }
                chunkTriple(
                        s, c, c.qOff(t, kvHead * c.group + g), n, c.sparse == null ? null : s.vis, waveAcc, slot * c.d);
                waveM[slot] = s.mC;
                waveL[slot] = s.lC;
            }
        }
    }

    /**
     * Makes the tile of keys and values [key0, key0+n) of one head readable at s.k/s.kOff and s.v/s.vOff:
     * in place when the store allows it, else converted into the scratch tiles.
     */
    private static void load(Scratch s, KvStore kv, int kvHead, int key0, int n) {
        float[] keys = kv.keysInPlace();
        float[] values = kv.valuesInPlace();
        if (keys != null && values != null) {
            int off = kv.offset(kvHead, key0);
            s.k = keys;
            s.kOff = off;
            s.v = values;
            s.vOff = off;
            return;
        }
        kv.readKeys(kvHead, key0, n, s.kTile, 0);
        kv.readValues(kvHead, key0, n, s.vTile, 0);
        s.k = s.kTile;
        s.kOff = 0;
        s.v = s.vTile;
        s.vOff = 0;
    }

    // ---------------------------------------------------------------- the canonical reduction

    /** Whether keys [key0, key0+n) all lie below query t's first visible key. */
    private static boolean belowFirst(Call c, int t, int key0, int n) {
        return c.firsts != null && key0 + n <= c.firsts[t];
    }

    /**
     * For a sparse mask, fills {@code s.vis[0, n)} for query t and keys [key0, key0+n) and says whether any
     * is visible; for a causal-style mask all n are visible.
     */
    private static boolean visibleRow(Scratch s, Call c, int t, int key0, int n) {
        if (c.sparse == null) {
            return true;
        }
        boolean any = false;
        for (int j = 0; j < n; j++) {
            boolean v = c.sparse.visible(t, key0 + j);
            s.vis[j] = v;
            any |= v;
        }
        return any;
    }

    /**
     * The triple of one chunk for one (query, head) row (steps 1-2 of the canonical reduction) against
     * the loaded tile: scores of {@code q[qOff..+d)} against the first n tile keys (those with
     * {@code vis[j]}, or all when vis is null; at least one), then {@code s.mC} = their max,
     * {@code s.lC} = Σ exp(score − mC) and {@code acc[accOff..+d)} = Σ exp(score − mC)·v.
     *
     * <p>Scores and the value sum go through {@link ChunkKernels}, which produce the bits of one
     * {@code FloatOps.dot} per key and one {@code FloatOps.axpy} per visible key, only faster. With a
     * sparse mask the invisible keys are scored too (the fused kernel takes the whole run); those scores
     * are never used.
     */
    private void chunkTriple(Scratch s, Call c, int qOff, int n, boolean[] vis, float[] acc, int accOff) {
        int d = c.d;
        float scale = c.scale;
        float cap = c.softcap;
        float[] p = s.scores; // (KEY_BLOCK) scores, then exp weights
        ChunkKernels.dots(vector, c.q, qOff, s.k, s.kOff, d, n, p, 0);
        float m = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            if (vis == null || vis[j]) {
                float x = p[j] * scale;
                if (cap != 0f) {
                    x = softcap(x, cap);
                }
                p[j] = x;
                m = x > m ? x : m;
            }
        }
        float l = 0f;
        for (int j = 0; j < n; j++) {
            if (vis == null || vis[j]) {
                float e = (float) Math.exp(p[j] - m);
                p[j] = e;
                l += e;
            }
        }
        Arrays.fill(acc, accOff, accOff + d, 0f);
        ChunkKernels.weightedSum(vector, p, 0, vis, 0, n, s.v, s.vOff, d, acc, accOff);
        s.mC = m;
        s.lC = l;
    }

    /** cap·tanh(x/cap) in float, as ggml computes it (scale by 1/cap, tanh, scale by cap). */
    static float softcap(float x, float cap) {
        return (float) Math.tanh(x * (1f / cap)) * cap;
    }

    /** Merges a chunk triple into a non-empty running state (step 3 of the canonical reduction). */
    private void merge(
            float[] runM,
            float[] runL,
            int r,
            float[] runAcc,
            int runOff,
            float mC,
            float lC,
            float[] accC,
            int accOff,
            int d) {
        float m = runM[r];
        // m' = max(m, mC); one of a = exp(m − m'), b = exp(mC − m') is exp(0), exactly 1: not computed.
        float mNew;
        float a;
        float b;
        if (mC > m) {
            mNew = mC;
            a = (float) Math.exp(m - mC);
            b = 1f;
        } else {
            mNew = m;
            a = 1f;
            b = (float) Math.exp(mC - m);
        }
        if (a != 1f) { // scaling by exactly 1 is the identity: skipping it changes no bit
            scale(a, runAcc, runOff, d);
        }
        axpy(b, accC, accOff, runAcc, runOff, d);
        runL[r] = runL[r] * a + lC * b;
        runM[r] = mNew;
    }

    private static void finish(float l, float[] acc, int accOff, float[] out, int outOff, int d) {
        if (l == 0f) {
            Arrays.fill(out, outOff, outOff + d, 0f); // sees no key
            return;
        }
        for (int i = 0; i < d; i++) {
            out[outOff + i] = acc[accOff + i] / l;
        }
    }

    private void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        if (scalar) {
            ScalarKernels.axpy(alpha, x, xOff, y, yOff, n);
        } else {
            FloatOps.axpy(alpha, x, xOff, y, yOff, n);
        }
    }

    private void scale(float alpha, float[] y, int yOff, int n) {
        if (scalar) {
            ScalarKernels.scale(alpha, y, yOff, n);
        } else {
            FloatOps.scale(alpha, y, yOff, n);
        }
    }

    // ---------------------------------------------------------------- scratch

    /**
     * This thread's scratch of one kind, grown to the call. A task never runs while another task of the same
     * thread holds its scratch: a thread runs one task at a time (nested sections run inline, one task after
     * the other), and the key split's merge state is a scratch of its own.
     */
    private static Scratch acquire(ThreadLocal<Scratch> kind, int d, int rows) {
        Scratch s = kind.get();
        s.prepare(d, rows);
        return s;
    }

    /** One thread's working memory; arrays only grow, so an instance serves any later call. */
    private static final class Scratch {
        float[] kTile = new float[0]; // (KEY_BLOCK, headDim)
        float[] vTile = new float[0]; // (KEY_BLOCK, headDim)
        float[] k; // the loaded key tile (n, headDim) from kOff: kTile, or the store's own array
        int kOff;
        float[] v; // the loaded value tile (n, headDim) from vOff
        int vOff;
        final float[] scores = new float[KEY_BLOCK]; // (KEY_BLOCK) one row's scores, then weights
        final boolean[] vis = new boolean[KEY_BLOCK]; // (KEY_BLOCK) one query's visibility in the chunk
        float[] accC = new float[0]; // (headDim) one chunk's acc before it is merged
        float mC; // one chunk's max score
        float lC; // one chunk's sum of weights
        float[] runM = new float[0]; // (rows) running max
        float[] runL = new float[0]; // (rows) running sum, 0 = no chunk merged yet
        float[] runAcc = new float[0]; // (rows, headDim) running weighted value sum
        float[] waveM = new float[0]; // (wave, rows)
        float[] waveL = new float[0]; // (wave, rows)
        float[] waveAcc = new float[0]; // (wave, rows, headDim)

        void prepare(int d, int rows) {
            kTile = grow(kTile, KEY_BLOCK * d);
            vTile = grow(vTile, KEY_BLOCK * d);
            accC = grow(accC, d);
            runM = grow(runM, rows);
            runL = grow(runL, rows);
            runAcc = grow(runAcc, rows * d);
        }

        void prepareSplit(int rows, int wave, int d) {
            runM = grow(runM, rows);
            runL = grow(runL, rows);
            runAcc = grow(runAcc, rows * d);
            waveM = grow(waveM, wave * rows);
            waveL = grow(waveL, wave * rows);
            waveAcc = grow(waveAcc, wave * rows * d);
        }

        private static float[] grow(float[] a, int n) {
            return a.length >= n ? a : new float[n];
        }
    }
}
