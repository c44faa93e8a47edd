package dev.drafthorse.kernels.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The persistent pool: every chunk exactly once per section, failures surface, nesting runs inline. */
class ParallelTest {

    @Test
    void everyChunkRunsExactlyOncePerSection() {
        try (Parallel par = new Parallel(3)) {
            for (int section = 0; section < 20_000; section++) {
                int chunks = 1 + section % 17;
                AtomicIntegerArray hits = new AtomicIntegerArray(chunks);
                par.forEachChunk(chunks, hits::incrementAndGet);
                for (int c = 0; c < chunks; c++) {
                    assertEquals(1, hits.get(c), "section " + section + " chunk " + c);
                }
            }
        }
    }

    @Test
    void sectionsAfterIdlePeriodsWakeParkedWorkers() throws InterruptedException {
        try (Parallel par = new Parallel(2)) {
            for (int round = 0; round < 5; round++) {
                Thread.sleep(5); // longer than the spin: the worker parks
                int[] out = new int[64];
                par.forRange(64, 4, (a, b) -> {
                    for (int i = a; i < b; i++) {
                        out[i] = i * i;
                    }
                });
                for (int i = 0; i < 64; i++) {
                    assertEquals(i * i, out[i]);
                }
            }
        }
    }

    @Test
    void aFailingChunkIsRethrownAndThePoolStaysUsable() {
        try (Parallel par = new Parallel(2)) {
            IllegalStateException e = assertThrows(
                    IllegalStateException.class,
                    () -> par.forEachChunk(8, c -> {
                        if (c == 5) {
                            throw new IllegalStateException("chunk five");
                        }
                    }));
            assertEquals("chunk five", e.getMessage());
            int[] out = new int[8];
            par.forEachChunk(8, c -> out[c] = c + 1);
            assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, 7, 8}, out);
        }
    }

    @Test
    void nestedSectionsRunInline() {
        try (Parallel par = new Parallel(2)) {
            int[][] out = new int[4][4];
            par.forEachChunk(4, a -> par.forEachChunk(4, b -> out[a][b] = 10 * a + b));
            for (int a = 0; a < 4; a++) {
                for (int b = 0; b < 4; b++) {
                    assertEquals(10 * a + b, out[a][b]);
                }
            }
        }
    }

    @Test
    void twoCallerThreadsShareOnePool() throws InterruptedException {
        try (Parallel par = new Parallel(2)) {
            long[] sums = new long[2];
            Thread[] callers = new Thread[2];
            for (int k = 0; k < 2; k++) {
                int id = k;
                callers[k] = new Thread(() -> {
                    for (int s = 0; s < 2000; s++) {
                        long[] part = new long[10];
                        par.forEachChunk(10, c -> part[c] = c + id);
                        for (long p : part) {
                            sums[id] += p;
                        }
                    }
                });
                callers[k].start();
            }
            for (Thread t : callers) {
                t.join();
            }
            assertEquals(2000L * 45, sums[0]);
            assertEquals(2000L * 55, sums[1]);
        }
    }
}
