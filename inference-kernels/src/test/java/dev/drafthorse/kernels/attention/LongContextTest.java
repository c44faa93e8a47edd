package dev.drafthorse.kernels.attention;

import static dev.drafthorse.kernels.attention.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.tensor.Parallel;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A 16,384-token causal prefill: the score matrix alone would be 16384² floats = 1 GiB, so bounded
 * allocation shows the kernel really streams tiles.
 */
class LongContextTest {
    @Test
    void prefill16kAllocatesLittleAndMatchesTheOracle() {
        int T = 16_384;
        int nHeads = 2;
        int kvHeads = 2;
        int d = 64;
        Random rnd = new Random(16384);
        KvStore kv = Fixtures.store(false, kvHeads, d, T, rnd);
        float[] q = Fixtures.queries(T, nHeads, d, 2f, rnd);
        float[] out = new float[T * nHeads * d]; // (T, nHeads*headDim)
        float scale = 0.125f;
        TiledAttention att = new TiledAttention();

        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        long tid = Thread.currentThread().getId();
        try (Parallel one = new Parallel(1)) { // everything on this thread, so the counter sees it all
            // Warm up on the first 1024 queries: until C2 compiles them, Vector API calls box every vector
            // on the heap (tens of MB, varying run to run), which is the JIT's allocation, not the kernel's.
            for (int i = 0; i < 3; i++) {
                att.attend(q, 1024, nHeads, kv, AttentionMask.causal(0), scale, out, one);
            }
            long before = threads.getThreadAllocatedBytes(tid);
            att.attend(q, T, nHeads, kv, AttentionMask.causal(0), scale, out, one);
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            // A score matrix would be 1 GiB, a score row or a tile allocated per query or per tile hundreds of
            // MB; the kernel's own need is about 100 KB (limits, scratch tiles, running state).
            assertTrue(allocated < 64L << 20, "attend allocated " + allocated + " bytes");
        }

        int row = nHeads * d;
        for (int t : new int[] {0, 1, 4095, 9000, T - 1}) {
            float[] q1 = Arrays.copyOfRange(q, t * row, (t + 1) * row);
            double[] expected = Fixtures.oracle(q1, 1, nHeads, kv, AttentionMask.causal(t), scale);
            assertClose(expected, Arrays.copyOfRange(out, t * row, (t + 1) * row), 1e-5, "query " + t);
        }
    }
}
