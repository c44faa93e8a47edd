package dev.drafthorse.kernels.tensor;

import java.lang.management.ManagementFactory;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * A fixed-size pool for the kernels. Work is split into chunks whose boundaries depend only on the
 * problem size (never on the thread count), and each output element is written by exactly one chunk, so
 * results are bit-identical for any number of threads.
 */
public final class Parallel implements AutoCloseable {
    private final int threads;
    private final ForkJoinPool pool;

    /** @param threads worker threads, at least 1; 1 runs everything on the caller's thread. */
    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    /**
     * Whether the machine runs more threads than it has cores: the one-minute load average, read at most
     * once a second, above the processor count. Only the size of parallel tasks depends on it, never a
     * result.
     */
    public boolean crowded() {
        long now = System.nanoTime();
        if (now - crowdedAt > 1_000_000_000L) {
            double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            crowded = load > Runtime.getRuntime().availableProcessors();
            crowdedAt = now;
        }
        return crowded;
    }

    private volatile boolean crowded;
    private volatile long crowdedAt = System.nanoTime() - 2_000_000_000L;

    /** The default: the number of available processors. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body.accept(i)} for every chunk index in [0, chunks). Chunks run concurrently; the
     * body must write disjoint outputs per chunk.
     */
    public void forEachChunk(int chunks, IntConsumer body) {
        if (chunks <= 0) {
            return;
        }
        if (pool == null || chunks == 1) {
            for (int i = 0; i < chunks; i++) {
                body.accept(i);
            }
            return;
        }
        pool.invoke(new Range(body, 0, chunks, Math.max(1, chunks / (threads * 4))));
    }

    /**
     * Runs {@code body(start, end)} over [0, n) split in chunks of {@code grain} (the last may be
     * shorter). Boundaries depend on n and grain only.
     */
    public void forRange(int n, int grain, RangeBody body) {
        int g = Math.max(1, grain);
        int chunks = (n + g - 1) / g;
        forEachChunk(chunks, c -> body.run(c * g, Math.min(n, (c + 1) * g)));
    }

    /** A half-open range of work. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }

    private static final class Range extends RecursiveAction {
        private final IntConsumer body;
        private final int lo;
        private final int hi;
        private final int leaf;

        Range(IntConsumer body, int lo, int hi, int leaf) {
            this.body = body;
            this.lo = lo;
            this.hi = hi;
            this.leaf = leaf;
        }

        @Override
        protected void compute() {
            if (hi - lo <= leaf) {
                for (int i = lo; i < hi; i++) {
                    body.accept(i);
                }
                return;
            }
            int mid = (lo + hi) >>> 1;
            ForkJoinTask.invokeAll(new Range(body, lo, mid, leaf), new Range(body, mid, hi, leaf));
        }
    }
}
