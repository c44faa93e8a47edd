package dev.drafthorse.hive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One copy per JVM of each loaded model or tokenizer, shared by every function instance that uses it:
 * Hive makes an instance per operator and per task, and a model's weights should be in memory once.
 *
 * <p>Entries are keyed by kind, file, modification time and size, so a replaced file loads anew. Each
 * {@link #acquire} takes a reference that {@link Lease#close()} gives back; an entry nobody holds is
 * closed after {@code drafthorse.cache.idle.seconds} (a system property, default 60), so that an
 * interactive session that runs query after query does not reload the model each time, and a JVM that is
 * done with it gets the memory back.
 */
final class SharedCache {
    private static final Logger LOG = LoggerFactory.getLogger(SharedCache.class);

    static final SharedCache INSTANCE = new SharedCache(Long.getLong("drafthorse.cache.idle.seconds", 60) * 1000);

    /** Loads the value of an entry from its local file. */
    @FunctionalInterface
    interface Loader<T> {
        T load(Path file) throws IOException;
    }

    private record Key(String kind, Path file, long modified, long size) {}

    private static final class Entry {
        final Key key;
        final Object value;
        int refs;
        ScheduledFuture<?> eviction;

        Entry(Key key, Object value) {
            this.key = key;
            this.value = value;
        }
    }

    private final long idleMillis;
    private final Map<Key, Entry> entries = new HashMap<>();
    private ScheduledExecutorService timer;

    SharedCache(long idleMillis) {
        this.idleMillis = idleMillis;
    }

    /** A reference to a shared value; close it when done (idempotent). */
    final class Lease<T> implements AutoCloseable {
        private final Entry entry;
        private boolean closed;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        @SuppressWarnings("unchecked")
        T get() {
            if (closed) {
                throw new IllegalStateException("lease of " + entry.key.file() + " already closed");
            }
            return (T) entry.value;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release(entry);
            }
        }
    }

    /** Takes a reference to {@code kind} loaded from {@code file}, loading it when no one has it. */
    synchronized <T> Lease<T> acquire(String kind, Path file, Loader<T> loader) throws IOException {
        Path abs = file.toAbsolutePath().normalize();
        BasicFileAttributes a = Files.readAttributes(abs, BasicFileAttributes.class);
        Key key = new Key(kind, abs, a.lastModifiedTime().toMillis(), a.size());
        Entry e = entries.get(key);
        if (e == null) {
            long t0 = System.nanoTime();
            e = new Entry(key, loader.load(abs));
            entries.put(key, e);
            LOG.info("drafthorse: loaded {} {} in {} ms", kind, abs, (System.nanoTime() - t0) / 1_000_000);
        }
        if (e.eviction != null) {
            e.eviction.cancel(false);
            e.eviction = null;
        }
        e.refs++;
        return new Lease<>(e);
    }

    private synchronized void release(Entry e) {
        if (--e.refs > 0) {
            return;
        }
        if (idleMillis <= 0) {
            evict(e);
            return;
        }
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "drafthorse-cache-eviction");
                t.setDaemon(true);
                return t;
            });
        }
        e.eviction = timer.schedule(
                () -> {
                    synchronized (SharedCache.this) {
                        if (e.refs == 0 && entries.get(e.key) == e) {
                            evict(e);
                        }
                    }
                },
                idleMillis,
                TimeUnit.MILLISECONDS);
    }

    private void evict(Entry e) {
        entries.remove(e.key);
        if (e.value instanceof Engines.LoadedModel m) {
            m.close();
        }
        LOG.info("drafthorse: released {} {}", e.key.kind(), e.key.file());
    }

    /** References held on the entries of {@code kind} loaded from {@code file}, any version (for tests). */
    synchronized int refs(String kind, Path file) {
        Path abs = file.toAbsolutePath().normalize();
        return entries.values().stream()
                .filter(e -> e.key.kind().equals(kind) && e.key.file().equals(abs))
                .mapToInt(e -> e.refs)
                .sum();
    }

    /** Entries currently held or idle (for tests). */
    synchronized int size() {
        return entries.size();
    }
}
