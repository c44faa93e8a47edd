package dev.drafthorse.kernels.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed-size pool for the kernels. Work is split into chunks whose boundaries depend only on the
 * problem size (never on the thread count), and each output element is written by exactly one chunk, so
 * results are bit-identical for any number of threads.
 *
 * <p>Decoding runs a hundred parallel sections per token, each a fraction of a millisecond, so handing
 * work over must cost microseconds: the calling thread works on the chunks too, and the workers spin
 * briefly for the next section, yielding their core to any other runnable thread, before they park (as
 * llama.cpp's threads do). Chunks are claimed from a shared counter, so a thread that is descheduled on a
 * busy machine delays only the chunk it holds.
 * A section started while another is running (from another thread, or nested inside a chunk) runs on
 * its caller's thread alone.
 */
public final class Parallel implements AutoCloseable {
    /** How long an idle worker spins for the next section before it parks. */
    private static final long SPIN_NANOS = 200_000;
    /** Busy-wait iterations (a few microseconds) before a waiting thread yields its core to others. */
    private static final int SPIN_BEFORE_YIELD = 256;

    private final int threads;
    private final Worker[] workers;
    private final AtomicBoolean busy = new AtomicBoolean();
    /** The current section; a worker that sees a new one works on it (a late worker finds it exhausted). */
    private volatile Job job;
    private volatile boolean closed;

    /** @param threads worker threads, at least 1; 1 runs everything on the caller's thread. */
    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i);
            workers[i].start();
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
     * body must write disjoint outputs per chunk.
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
            Job j = new Job(body, chunks);
            job = j;
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            j.work();
            // The last chunks are in other threads' hands: spin briefly, then yield the core (on a busy
            // machine the thread we wait for may need it).
            for (int spins = 0; j.done.get() < chunks; spins++) {
                if (spins < SPIN_BEFORE_YIELD) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            Throwable f = j.failure;
            if (f != null) {
                if (f instanceof RuntimeException e) {
                    throw e;
                }
                if (f instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException(f);
            }
        } finally {
            busy.set(false);
        }
    }

    /** One parallel section: chunks claimed from a counter by whichever thread comes. */
    private static final class Job {
        final IntConsumer body;
        final int chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Job(IntConsumer body, int chunks) {
            this.body = body;
            this.chunks = chunks;
        }

        /** Claims and runs chunks until none is left. */
        void work() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                try {
                    body.accept(c);
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = t;
                    }
                } finally {
                    done.incrementAndGet();
                }
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
            LockSupport.unpark(w);
        }
    }

    private final class Worker extends Thread {
        volatile boolean parked;

        Worker(int i) {
            super("drafthorse-kernel-" + (i + 1));
            setDaemon(true);
        }

        @Override
        public void run() {
            Job seen = null;
            while (!closed) {
                Job j = job;
                if (j == seen) {
                    long spinUntil = System.nanoTime() + SPIN_NANOS;
                    for (int spins = 0; (j = job) == seen && !closed; spins++) {
                        if (spins < SPIN_BEFORE_YIELD) {
                            Thread.onSpinWait();
                        } else if (System.nanoTime() < spinUntil) {
                            Thread.yield();
                        } else {
                            parked = true;
                            if (job == seen && !closed) {
                                LockSupport.park(this);
                            }
                            parked = false;
                        }
                    }
                    if (closed) {
                        return;
                    }
                }
                seen = j;
                j.work();
            }
        }
    }
}
