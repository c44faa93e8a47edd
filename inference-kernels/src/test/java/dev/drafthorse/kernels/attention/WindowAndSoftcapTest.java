package dev.drafthorse.kernels.attention;

import static dev.drafthorse.kernels.attention.Fixtures.assertBits;
import static dev.drafthorse.kernels.attention.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.attention.TiledAttention.Schedule;
import dev.drafthorse.kernels.tensor.Parallel;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Gemma's attention features against the naive oracle: a sliding window (as a mask over the committed
 * keys and the call's own keys, by position) and soft-capped scores, on both schedules of the canonical
 * reduction, at query offsets inside shared q/out buffers; and the same bits for a query computed in a
 * prefill, in a one-token decode step or with 1 or 3 threads.
 */
class WindowAndSoftcapTest {
    private static Parallel one;
    private static Parallel three;

    @BeforeAll
    static void pools() {
        one = new Parallel(1);
        three = new Parallel(3);
    }

    @AfterAll
    static void closePools() {
        one.close();
        three.close();
    }

    @Test
    void windowHidesKeysAtDistanceAtLeastTheWindow() {
        int[] pos = {10, 11, 12};
        AttentionMask m = AttentionMask.slidingWindow(AttentionMask.causal(10), 4, pos, 0, 3, 10);
        assertFalse(m.causal());
        assertEquals(13, m.limit(2));
        assertFalse(m.visible(0, 6), "distance 4 = window");
        assertTrue(m.visible(0, 7), "distance 3");
        assertTrue(m.visible(2, 12), "itself");
        assertFalse(m.visible(0, 11), "the future stays hidden");
        assertEquals(7, m.first(0), "keys below position 10 - 4 + 1 are skipped whole");
        assertEquals(9, m.first(2));
        assertEquals(0, AttentionMask.causal(5).first(0));
        assertThrows(IllegalArgumentException.class, () -> m.limit(3));
        assertThrows(
                IllegalArgumentException.class,
                () -> AttentionMask.slidingWindow(AttentionMask.causal(0), 0, pos, 0, 3, 0));

        // Tree nodes at depth positions: node 2 (depth 1, position 6) after a prefix of 5 sees by position.
        int[] depth = {5, 6, 6};
        AttentionMask tree =
                AttentionMask.slidingWindow(AttentionMask.tree(5, new int[] {-1, 0, 0}), 2, depth, 0, 3, 5);
        assertTrue(tree.visible(2, 5), "its parent, distance 1");
        assertFalse(tree.visible(2, 4), "prefix key 4 at distance 2");
        assertFalse(tree.visible(2, 6), "its sibling stays hidden");
        assertEquals(5, tree.first(2), "never beyond the call's own keys, whose positions are not their slots");
    }

    @ParameterizedTest
    @EnumSource(
            value = Schedule.class,
            names = {"QUERY_BLOCKS", "KEY_SPLIT"})
    void windowAndSoftcapMatchTheOracle(Schedule schedule) {
        Random rnd = new Random(11);
        int kvHeads = 2;
        int nHeads = 4;
        int d = 16;
        int prefix = 150;
        int t = 20;
        KvStore kv = Fixtures.store(false, kvHeads, d, prefix + t, rnd);
        int[] pos = new int[t];
        for (int i = 0; i < t; i++) {
            pos[i] = prefix + i;
        }
        float[] q = Fixtures.queries(t, nHeads, d, 3f, rnd);
        float scale = 0.5f;
        float cap = 2f;
        AttentionMask mask = AttentionMask.slidingWindow(AttentionMask.causal(prefix), 70, pos, 0, t, prefix);
        double[] want = new double[t * nHeads * d];
        NaiveAttention.attend(q, t, nHeads, kv, mask, scale, cap, want);
        for (boolean scalar : new boolean[] {false, true}) {
            TiledAttention att = new TiledAttention(8, scalar, schedule);
            // The queries and outputs sit at row 3 of larger buffers, as one sequence's share of a batch.
            int row0 = 3;
            float[] qBig = new float[(row0 + t) * nHeads * d];
            System.arraycopy(q, 0, qBig, row0 * nHeads * d, q.length);
            float[] outBig = new float[(row0 + t + 1) * nHeads * d];
            att.attend(qBig, row0, t, nHeads, kv, mask, scale, cap, outBig, row0, three);
            float[] got = java.util.Arrays.copyOfRange(outBig, row0 * nHeads * d, (row0 + t) * nHeads * d);
            assertClose(want, got, 1e-5, schedule + (scalar ? " scalar" : " vector"));
            for (int i = 0; i < row0 * nHeads * d; i++) {
                assertEquals(0f, outBig[i], "rows before row0 untouched");
            }
        }
        // The cap changes the result: without it the oracle differs.
        double[] uncapped = new double[t * nHeads * d];
        NaiveAttention.attend(q, t, nHeads, kv, mask, scale, uncapped);
        double diff = 0;
        for (int i = 0; i < uncapped.length; i++) {
            diff = Math.max(diff, Math.abs(uncapped[i] - want[i]));
        }
        assertTrue(diff > 1e-3, "soft-capping should matter here, max difference " + diff);
    }

    @Test
    void decodeEqualsPrefillBitForBitUnderAWindow() {
        Random rnd = new Random(5);
        int kvHeads = 1;
        int nHeads = 4;
        int d = 32;
        int n = 300;
        KvStore kv = Fixtures.store(false, kvHeads, d, n, rnd);
        int[] pos = new int[n];
        for (int i = 0; i < n; i++) {
            pos[i] = i;
        }
        float[] q = Fixtures.queries(n, nHeads, d, 2f, rnd);
        TiledAttention att = new TiledAttention();
        float[] prefill = new float[n * nHeads * d];
        att.attend(
                q,
                0,
                n,
                nHeads,
                kv,
                AttentionMask.slidingWindow(AttentionMask.causal(0), 100, pos, 0, n, 0),
                0.25f,
                10f,
                prefill,
                0,
                one);
        for (int p : new int[] {0, 64, 99, 100, 163, 299}) {
            float[] step = new float[nHeads * d];
            AttentionMask m = AttentionMask.slidingWindow(AttentionMask.causal(p), 100, pos, p, 1, p);
            att.attend(q, p, 1, nHeads, kv, m, 0.25f, 10f, step, 0, three);
            assertBits(prefill, p * nHeads * d, step, 0, nHeads * d, "position " + p);
        }
    }

    @Test
    void badArgumentsAreRefusedByName() {
        Random rnd = new Random(1);
        KvStore kv = Fixtures.store(false, 1, 4, 8, rnd);
        float[] q = new float[8];
        float[] out = new float[8];
        TiledAttention att = new TiledAttention();
        AttentionMask m = AttentionMask.causal(0);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> att.attend(q, 0, 2, 1, kv, m, 1f, -1f, out, 0, one));
        assertTrue(e.getMessage().contains("softcap"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> att.attend(q, 1, 2, 1, kv, m, 1f, 0f, out, 0, one));
        assertTrue(e.getMessage().contains("q must hold"), e.getMessage());
    }
}
