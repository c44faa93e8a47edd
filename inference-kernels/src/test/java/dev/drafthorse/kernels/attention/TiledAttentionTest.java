package dev.drafthorse.kernels.attention;

import static dev.drafthorse.kernels.attention.Fixtures.assertBits;
import static dev.drafthorse.kernels.attention.Fixtures.assertClose;
import static dev.drafthorse.kernels.attention.Fixtures.oracle;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.attention.TiledAttention.Schedule;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tensor.Simd;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TiledAttentionTest {
    private static final double TOL = 1e-5;
    private static final double TOL_F16_STORE = 1e-5; // the oracle reads the same rounded values

    private static Parallel one;
    private static Parallel two;
    private static Parallel three;

    /** The vector path (when the JVM has the module) and the forced scalar path, both on the AUTO schedule. */
    private static final TiledAttention VECTOR = new TiledAttention();

    private static final TiledAttention SCALAR =
            new TiledAttention(TiledAttention.DEFAULT_QUERY_BLOCK, true, Schedule.AUTO);

    @BeforeAll
    static void pools() {
        one = new Parallel(1);
        two = new Parallel(2);
        three = new Parallel(3);
    }

    @AfterAll
    static void closePools() {
        one.close();
        two.close();
        three.close();
    }

    @Test
    void vectorPathIsActiveExactlyWhenTheModuleIsPresent() {
        // The default surefire run adds jdk.incubator.vector, so "vector" tests really exercise the vector kernels;
        // the scalar-path run starts its JVM without the module and must fall back to the scalar kernels.
        boolean expectScalar = Boolean.getBoolean("drafthorse.expect.scalar");
        assertEquals(!expectScalar, Simd.ENABLED);
        assertTrue(Simd.describe().startsWith(expectScalar ? "scalar" : "vector"), Simd.describe());
    }

    /** kvLen × T for causal decode/prefill at the end of the context; heads and headDim rotate. */
    static Stream<Arguments> causalCases() {
        int[] kvLens = {1, 7, 63, 64, 65, 129, 1000};
        int[] ts = {1, 3, 17, 64};
        int[][] heads = {{1, 1}, {4, 1}, {4, 2}, {8, 2}, {8, 8}, {4, 4}, {8, 4}};
        int[] dims = {8, 16, 64};
        List<Arguments> cases = new ArrayList<>();
        int i = 0;
        for (int kvLen : kvLens) {
            for (int T : ts) {
                if (T > kvLen) {
                    continue; // the custom-mask test covers more queries than keys
                }
                int[] h = heads[i % heads.length];
                int d = dims[(i / 2) % dims.length];
                cases.add(Arguments.of(kvLen, T, h[0], h[1], d, i % 3 == 0));
                i++;
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "kvLen={0} T={1} heads={2}/{3} d={4} f16={5}")
    @MethodSource("causalCases")
    void causalMatchesOracle(int kvLen, int T, int nHeads, int kvHeads, int d, boolean f16) {
        Random rnd = new Random(31L * kvLen + 7L * T + nHeads + d);
        KvStore kv = Fixtures.store(f16, kvHeads, d, kvLen, rnd);
        float[] q = Fixtures.queries(T, nHeads, d, 2f, rnd);
        float scale = (float) (1 / Math.sqrt(d));
        AttentionMask mask = AttentionMask.causal(kvLen - T);
        double[] expected = oracle(q, T, nHeads, kv, mask, scale);
        double tol = f16 ? TOL_F16_STORE : TOL;

        float[] out = new float[expected.length];
        VECTOR.attend(q, T, nHeads, kv, mask, scale, out, two);
        assertClose(expected, out, tol, "tiled vector");
        float[] scalarOut = new float[expected.length];
        SCALAR.attend(q, T, nHeads, kv, mask, scale, scalarOut, one);
        assertClose(expected, scalarOut, tol, "tiled scalar");
        float[] plainOut = new float[expected.length];
        new PlainAttention().attend(q, T, nHeads, kv, mask, scale, plainOut, two);
        assertClose(expected, plainOut, tol, "plain");
    }

    @Test
    void peakedScoresStayAccurate() {
        // Large scores: most exp terms underflow and the running max jumps between chunks.
        Random rnd = new Random(5);
        int kvLen = 700;
        int T = 40;
        KvStore kv = Fixtures.store(false, 2, 32, kvLen, rnd);
        float[] q = Fixtures.queries(T, 4, 32, 20f, rnd);
        AttentionMask mask = AttentionMask.causal(kvLen - T);
        double[] expected = oracle(q, T, 4, kv, mask, 0.5f);
        float[] out = new float[expected.length];
        VECTOR.attend(q, T, 4, kv, mask, 0.5f, out, two);
        assertClose(expected, out, TOL, "vector");
        SCALAR.attend(q, T, 4, kv, mask, 0.5f, out, two);
        assertClose(expected, out, TOL, "scalar");
    }

    @ParameterizedTest(name = "prefix={0} nodes={1}")
    @MethodSource("treeCases")
    void treeMaskMatchesOracle(int prefix, int nodes, boolean f16) {
        Random rnd = new Random(1000L + prefix * 13L + nodes);
        int nHeads = 8;
        int kvHeads = 2;
        int d = 16;
        KvStore kv = Fixtures.store(f16, kvHeads, d, prefix + nodes, rnd);
        float[] q = Fixtures.queries(nodes, nHeads, d, 2f, rnd);
        AttentionMask mask = AttentionMask.tree(prefix, Fixtures.randomTree(nodes, rnd));
        double[] expected = oracle(q, nodes, nHeads, kv, mask, 0.25f);
        for (TiledAttention att : List.of(VECTOR, SCALAR)) {
            float[] out = new float[expected.length];
            att.attend(q, nodes, nHeads, kv, mask, 0.25f, out, three);
            assertClose(expected, out, TOL, "tree");
        }
        float[] plainOut = new float[expected.length];
        new PlainAttention().attend(q, nodes, nHeads, kv, mask, 0.25f, plainOut, two);
        assertClose(expected, plainOut, TOL, "plain tree");
    }

    static Stream<Arguments> treeCases() {
        return Stream.of(
                Arguments.of(0, 5, false),
                Arguments.of(1, 17, false),
                Arguments.of(60, 30, true),
                Arguments.of(130, 64, false),
                Arguments.of(500, 100, true));
    }

    @ParameterizedTest(name = "kvLen={0} T={1}")
    @MethodSource("customCases")
    void customMaskMatchesOracle(int kvLen, int T) {
        // Random limits (including 0: a query that sees nothing) and random holes below them.
        Random rnd = new Random(77L * kvLen + T);
        int[] limits = new int[T];
        for (int i = 0; i < T; i++) {
            limits[i] = rnd.nextInt(kvLen + 1);
        }
        long seed = rnd.nextLong();
        AttentionMask mask = AttentionMask.of(limits, (query, key) -> hash(seed, query, key) % 3 != 0);
        KvStore kv = Fixtures.store(false, 4, 8, kvLen, rnd);
        float[] q = Fixtures.queries(T, 8, 8, 2f, rnd);
        double[] expected = oracle(q, T, 8, kv, mask, 0.3f);
        for (TiledAttention att : List.of(VECTOR, SCALAR)) {
            for (Parallel par : List.of(one, two)) {
                float[] out = new float[expected.length];
                Arrays.fill(out, Float.NaN); // queries that see nothing must be written too (zeros)
                att.attend(q, T, 8, kv, mask, 0.3f, out, par);
                assertClose(expected, out, TOL, "custom");
            }
        }
    }

    static Stream<Arguments> customCases() {
        return Stream.of(Arguments.of(1, 3), Arguments.of(7, 17), Arguments.of(65, 64), Arguments.of(300, 5));
    }

    private static int hash(long seed, int a, int b) {
        long h = seed ^ (a * 0x9E3779B97F4A7C15L) ^ (b * 0xC2B2AE3D27D4EB4FL);
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 29;
        return (int) (h & 0x7fffffff);
    }

    // ---------------------------------------------------------------- determinism

    @ParameterizedTest(name = "f16={0}")
    @ValueSource(booleans = {false, true})
    void bitIdenticalAcrossThreadsSchedulesAndQueryBlocks(boolean f16) {
        Random rnd = new Random(42);
        int kvLen = 700; // 11 chunks, the last one partial
        int T = 150; // several query blocks of 64, and queries of the first chunks see partial chunks
        int nHeads = 8;
        int kvHeads = 2;
        int d = 64;
        KvStore kv = Fixtures.store(f16, kvHeads, d, kvLen, rnd);
        float[] q = Fixtures.queries(T, nHeads, d, 2f, rnd);
        AttentionMask mask = AttentionMask.causal(kvLen - T);
        float scale = 0.125f;
        float[] reference = new float[T * nHeads * d];
        new TiledAttention(64, false, Schedule.QUERY_BLOCKS).attend(q, T, nHeads, kv, mask, scale, reference, one);
        for (Schedule schedule : Schedule.values()) {
            for (int qb : new int[] {1, 7, 64, 256}) {
                TiledAttention att = new TiledAttention(qb, false, schedule);
                for (Parallel par : List.of(one, two, three)) {
                    float[] out = new float[reference.length];
                    att.attend(q, T, nHeads, kv, mask, scale, out, par);
                    assertBits(reference, out, schedule + " qb=" + qb + " threads=" + par.threads());
                }
            }
        }
    }

    @Test
    void scalarPathIsBitIdenticalAcrossThreadsAndSchedules() {
        Random rnd = new Random(43);
        KvStore kv = Fixtures.store(false, 1, 16, 333, rnd);
        float[] q = Fixtures.queries(50, 4, 16, 2f, rnd);
        AttentionMask mask = AttentionMask.causal(283);
        float[] reference = new float[50 * 4 * 16];
        new TiledAttention(64, true, Schedule.QUERY_BLOCKS).attend(q, 50, 4, kv, mask, 0.25f, reference, one);
        for (Schedule schedule : Schedule.values()) {
            for (Parallel par : List.of(one, two, three)) {
                float[] out = new float[reference.length];
                new TiledAttention(16, true, schedule).attend(q, 50, 4, kv, mask, 0.25f, out, par);
                assertBits(reference, out, "scalar " + schedule + " threads=" + par.threads());
            }
        }
    }

    @ParameterizedTest(name = "f16={0}")
    @ValueSource(booleans = {false, true})
    void decodeIsBitIdenticalToTheSameQueryInPrefill(boolean f16) {
        Random rnd = new Random(44);
        int kvLen = 1100;
        int first = 700;
        int T = kvLen - first;
        int nHeads = 4;
        int kvHeads = 2;
        int d = 64;
        KvStore kv = Fixtures.store(f16, kvHeads, d, kvLen, rnd);
        float[] q = Fixtures.queries(T, nHeads, d, 2f, rnd);
        float scale = 0.125f;
        int row = nHeads * d;
        float[] prefill = new float[T * row];
        VECTOR.attend(q, T, nHeads, kv, AttentionMask.causal(first), scale, prefill, one);
        for (int t : new int[] {0, 1, 63, 64, 100, 255, T - 1}) {
            float[] q1 = Arrays.copyOfRange(q, t * row, (t + 1) * row);
            for (Parallel par : List.of(one, two, three)) {
                // With two kv heads, T=1 on 2+ threads takes the key-split schedule.
                float[] out = new float[row];
                VECTOR.attend(q1, 1, nHeads, kv, AttentionMask.causal(first + t), scale, out, par);
                assertBits(prefill, t * row, out, 0, row, "decode t=" + t + " threads=" + par.threads());
            }
        }
        // A short multi-token step (speculative verification) in the middle of the context.
        int t0 = 130;
        float[] q3 = Arrays.copyOfRange(q, t0 * row, (t0 + 3) * row);
        float[] out3 = new float[3 * row];
        VECTOR.attend(q3, 3, nHeads, kv, AttentionMask.causal(first + t0), scale, out3, two);
        assertBits(prefill, t0 * row, out3, 0, 3 * row, "T=3 step");
    }

    @Test
    void keySplitAcrossSeveralWavesMatchesQueryBlocks() {
        // 5000 keys = 79 chunks: more than one wave of SPLIT_WAVE_CHUNKS on the key-split schedule.
        Random rnd = new Random(48);
        int kvLen = 5000;
        assertTrue(
                (kvLen + TiledAttention.KEY_BLOCK - 1) / TiledAttention.KEY_BLOCK > TiledAttention.SPLIT_WAVE_CHUNKS);
        KvStore kv = Fixtures.store(false, 1, 16, kvLen, rnd);
        float[] q = Fixtures.queries(3, 2, 16, 2f, rnd);
        AttentionMask mask = AttentionMask.causal(kvLen - 3);
        float[] blocks = new float[3 * 2 * 16];
        new TiledAttention(64, false, Schedule.QUERY_BLOCKS).attend(q, 3, 2, kv, mask, 0.25f, blocks, one);
        float[] split = new float[blocks.length];
        new TiledAttention(64, false, Schedule.KEY_SPLIT).attend(q, 3, 2, kv, mask, 0.25f, split, two);
        assertBits(blocks, split, "waves");
        assertClose(oracle(q, 3, 2, kv, mask, 0.25f), split, TOL, "waves vs oracle");
    }

    @Test
    void treeNodesMatchTheSameQueriesUnderAnEquivalentCustomMask() {
        // Same visibility through two mask implementations (and thus two code paths) gives the same bits.
        Random rnd = new Random(45);
        int prefix = 200;
        int nodes = 40;
        int[] parent = Fixtures.randomTree(nodes, rnd);
        AttentionMask tree = AttentionMask.tree(prefix, parent);
        int[] limits = new int[nodes];
        for (int i = 0; i < nodes; i++) {
            limits[i] = tree.limit(i);
        }
        AttentionMask custom = AttentionMask.of(limits, tree::visible);
        KvStore kv = Fixtures.store(false, 2, 32, prefix + nodes, rnd);
        float[] q = Fixtures.queries(nodes, 4, 32, 2f, rnd);
        float[] a = new float[nodes * 4 * 32];
        float[] b = new float[a.length];
        VECTOR.attend(q, nodes, 4, kv, tree, 0.2f, a, one);
        new TiledAttention(8, false, Schedule.KEY_SPLIT).attend(q, nodes, 4, kv, custom, 0.2f, b, three);
        assertBits(a, b, "tree vs custom");
    }

    @Test
    void chainTreeTakesTheCausalFastPathWithTheSameBits() {
        Random rnd = new Random(46);
        int nodes = 20;
        int[] chain = new int[nodes];
        for (int i = 0; i < nodes; i++) {
            chain[i] = i - 1;
        }
        AttentionMask tree = AttentionMask.tree(90, chain);
        assertTrue(tree.causal());
        KvStore kv = Fixtures.store(false, 1, 16, 110, rnd);
        float[] q = Fixtures.queries(nodes, 2, 16, 2f, rnd);
        float[] a = new float[nodes * 2 * 16];
        float[] b = new float[a.length];
        VECTOR.attend(q, nodes, 2, kv, tree, 0.25f, a, one);
        VECTOR.attend(q, nodes, 2, kv, AttentionMask.causal(90), 0.25f, b, two);
        assertBits(a, b, "chain vs causal");
    }

    @Test
    void reusedInstanceGivesTheSameResultsAcrossShapes() {
        // Pooled scratch grows and is reused; a larger earlier call must not leak state into a smaller one.
        Random rnd = new Random(47);
        TiledAttention att = new TiledAttention();
        KvStore big = Fixtures.store(false, 4, 64, 300, rnd);
        float[] qBig = Fixtures.queries(100, 8, 64, 2f, rnd);
        KvStore small = Fixtures.store(false, 1, 8, 20, rnd);
        float[] qSmall = Fixtures.queries(5, 2, 8, 2f, rnd);
        float[] fresh = new float[5 * 2 * 8];
        new TiledAttention().attend(qSmall, 5, 2, small, AttentionMask.causal(15), 0.3f, fresh, two);
        att.attend(qBig, 100, 8, big, AttentionMask.causal(200), 0.125f, new float[100 * 8 * 64], two);
        float[] reused = new float[fresh.length];
        att.attend(qSmall, 5, 2, small, AttentionMask.causal(15), 0.3f, reused, two);
        assertBits(fresh, reused, "reused");
    }

    // ---------------------------------------------------------------- arguments

    @Test
    void rejectsBadArgumentsNamingThem() {
        KvStore kv = new F32KvStore(2, 8, 10);
        float[] q = new float[3 * 4 * 8];
        float[] out = new float[q.length];
        AttentionMask mask = AttentionMask.causal(7);
        assertMessage("nHeads", () -> VECTOR.attend(q, 3, 3, kv, mask, 1f, out, one));
        assertMessage("nHeads", () -> VECTOR.attend(q, 3, 0, kv, mask, 1f, out, one));
        assertMessage("T", () -> VECTOR.attend(q, -1, 4, kv, mask, 1f, out, one));
        assertMessage("q", () -> VECTOR.attend(new float[5], 3, 4, kv, mask, 1f, out, one));
        assertMessage("out", () -> VECTOR.attend(q, 3, 4, kv, mask, 1f, new float[5], one));
        assertMessage("out", () -> VECTOR.attend(q, 3, 4, kv, mask, 1f, null, one));
        assertMessage("scale", () -> VECTOR.attend(q, 3, 4, kv, mask, Float.NaN, out, one));
        assertMessage("mask", () -> VECTOR.attend(q, 3, 4, kv, null, 1f, out, one));
        assertMessage("kv", () -> VECTOR.attend(q, 3, 4, null, mask, 1f, out, one));
        assertMessage("par", () -> VECTOR.attend(q, 3, 4, kv, mask, 1f, out, null));
        // causal(8) with 3 queries reaches position 10: beyond the capacity of 10 positions.
        assertMessage("mask limit", () -> VECTOR.attend(q, 3, 4, kv, AttentionMask.causal(8), 1f, out, one));
        // A tree of 2 nodes cannot answer for 3 queries.
        assertMessage(
                "query", () -> VECTOR.attend(q, 3, 4, kv, AttentionMask.tree(0, new int[] {-1, 0}), 1f, out, one));
        assertMessage("queryBlock", () -> new TiledAttention(0));
        assertMessage("nHeads", () -> new PlainAttention().attend(q, 3, 3, kv, mask, 1f, out, one));
        assertMessage("nHeads", () -> NaiveAttention.attend(q, 3, 3, kv, mask, 1f, out));
    }

    @Test
    void zeroQueriesIsANoOp() {
        float[] out = {5f};
        VECTOR.attend(new float[0], 0, 2, new F32KvStore(1, 4, 0), AttentionMask.causal(0), 1f, out, two);
        assertEquals(5f, out[0]);
    }

    static void assertMessage(String name, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(name), () -> "message should name " + name + ": " + e.getMessage());
    }
}
