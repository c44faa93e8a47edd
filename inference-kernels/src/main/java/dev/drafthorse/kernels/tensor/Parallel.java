package dev.drafthorse.kernels.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A persistent pool for the kernels, shaped like ggml's thread pool: {@code threads − 1} workers that
 * live as long as the pool, one hand-off and one barrier per parallel section, and workers that spin
 * briefly between sections before they park. A decode step runs a few dozen sections a few tens of
 * microseconds apart; a fork-join pool paid a task allocation, a queue push and a wake-up for each,
 * which on the 23M model cost more than the arithmetic.
 *
 * <p>A section: the caller publishes the body and the chunk count and bumps a generation counter (the
 * hand-off); every thread, the caller included, claims chunk indices from one atomic counter until none
 * is left; the caller then waits until every claimed chunk is finished (the barrier). Claiming rather
 * than a fixed split means a worker descheduled on a crowded machine delays nothing: the others take
 * its chunks.
 *
 * <p>Determinism: chunk boundaries depend only on the problem size (never on the thread count), and each
 * output element is written by exactly one chunk, so results are bit-identical for any number of
 * threads. Which thread runs a chunk does not matter.
 *
 * <p>Sections run one at a time: a section started while another is running (a nested call from inside a
 * body, or a second caller thread sharing the pool) runs inline on its caller's thread, which gives the
 * same results.
 */
public final class Parallel implements AutoCloseable {
    /** How long an idle worker spins before it parks: longer than the gap between two decode steps (sampling, bookkeeping). */
    private static final long SPIN_NANOS = 2_000_000L;

    private final int threads;
    private final Worker[] workers; // (threads − 1)
    private final AtomicBoolean busy = new AtomicBoolean();
    /**
     * The claim ticket: the section's generation in the high 32 bits, its next unclaimed chunk in the low
     * 32. A chunk is claimed by a compare-and-set that also checks the generation, so a worker that wakes
     * late can never claim a chunk of a later section with an earlier section's body.
     */
    private final AtomicLong ticket = new AtomicLong();

    private final AtomicInteger finished = new AtomicInteger(); // chunks finished in the section
    private volatile int generation; // bumped once per section: the hand-off
    private volatile boolean closed;
    private IntConsumer body; // the section's body, published by the generation write
    private int chunks; // the section's chunk count, published likewise
    private volatile Throwable failure;

    /** @param threads threads per section, at least 1; 1 runs everything on the caller's thread. */
    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i);
            workers[i].thread.start();
        }
    }

    /** The default: the number of available processors. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body.accept(i)} for every chunk index in [0, chunks). Chunks run concurrently; the
     * body must write disjoint outputs per chunk. Returns when every chunk is done; the first exception
     * a chunk threw is rethrown here.
     */
    public void forEachChunk(int chunks, IntConsumer body) {
        if (chunks <= 0) {
            return;
        }
        if (workers.length == 0 || chunks == 1 || closed || !busy.compareAndSet(false, true)) {
            for (int i = 0; i < chunks; i++) {
                body.accept(i);
            }
            return;
        }
        try {
            runSection(chunks, body);
        } finally {
            busy.set(false);
        }
    }

    private void runSection(int n, IntConsumer b) {
        int g = generation + 1;
        ticket.set((long) g << 32); // first: from here on no late worker can claim under an older generation
        this.body = b;
        this.chunks = n;
        failure = null;
        finished.set(0);
        generation = g; // the hand-off: publishes body, chunks and the reset counters
        for (Worker w : workers) {
            if (w.parked) {
                LockSupport.unpark(w.thread);
            }
        }
        work(g, b, n);
        while (finished.get() < n) {
            Thread.onSpinWait();
        }
        this.body = null;
        Throwable t = failure;
        if (t != null) {
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
        }
    }

    /** Claims and runs chunks of section {@code g} until none is left (or the section is over). */
    private void work(int g, IntConsumer b, int n) {
        while (true) {
            long claim = ticket.get();
            int c = (int) claim;
            if ((int) (claim >>> 32) != g || c >= n) {
                return;
            }
            if (!ticket.compareAndSet(claim, claim + 1)) {
                continue;
            }
            try {
                b.accept(c);
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                }
            } finally {
                finished.incrementAndGet();
            }
        }
    }

    /**
     * Runs {@code body(start, end)} over [0, n) split in chunks of {@code grain} (the last may be
     * shorter). Boundaries depend on n and grain only.
     */
    public void forRange(int n, int grain, RangeBody body) {
        int g = Math.max(1, grain);
        int chunks = (n + g - 1) / g;
        if (chunks == 1) {
            body.run(0, n);
            return;
        }
        forEachChunk(chunks, c -> body.run(c * g, Math.min(n, (c + 1) * g)));
    }

    /** A half-open range of work. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
    }

    /** A worker: waits for the next generation (spinning, then parked), then claims chunks. */
    private final class Worker implements Runnable {
        final Thread thread;
        volatile boolean parked;

        Worker(int index) {
            thread = new Thread(this, "drafthorse-kernel-" + index);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            int seen = generation;
            while (!closed) {
                int g = awaitGeneration(seen);
                if (g == seen) {
                    continue; // closed, or a spurious wake-up
                }
                seen = g;
                IntConsumer b = body;
                int n = chunks;
                if (b != null) {
                    work(g, b, n); // a stale b or n can claim nothing: the ticket names the generation
                }
            }
        }

        private int awaitGeneration(int seen) {
            long start = System.nanoTime();
            int spins = 0;
            while (true) {
                int g = generation;
                if (g != seen || closed) {
                    return g;
                }
                if ((++spins & 63) == 0 && System.nanoTime() - start > SPIN_NANOS) {
                    parked = true;
                    // re-check after announcing, so a hand-off between the check and the park is not missed
                    if (generation == seen && !closed) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    return generation;
                }
                Thread.onSpinWait();
            }
        }
    }
}
