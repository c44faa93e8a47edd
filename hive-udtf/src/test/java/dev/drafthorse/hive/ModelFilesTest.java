package dev.drafthorse.hive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where model files come from ({@link ModelFiles}) and how they are shared ({@link SharedCache}). */
class ModelFilesTest {
    static final Path MODEL = SharedFiles.model("stories260K.gguf");

    static Configuration schemeConf() {
        Configuration c = new Configuration();
        c.set("fs." + SchemeFileSystem.SCHEME + ".impl", SchemeFileSystem.class.getName());
        c.setBoolean("fs." + SchemeFileSystem.SCHEME + ".impl.disable.cache", true);
        return c;
    }

    @Test
    void localPathsAndFileUrisAreUsedInPlace() throws IOException {
        assertEquals(MODEL, ModelFiles.localize(MODEL.toString(), null));
        assertEquals(MODEL, ModelFiles.localize(MODEL.toUri().toString(), null));
        assertEquals(MODEL, ModelFiles.localize("file://" + MODEL, null));
    }

    @Test
    void hadoopUrisAreCopiedOnceAndAgainWhenTheFileChanges(@TempDir Path dir) throws IOException {
        Path src = dir.resolve("m.gguf");
        Files.copy(MODEL, src);
        String uri = SchemeFileSystem.SCHEME + "://" + src;
        Path copy = ModelFiles.localize(uri, schemeConf());
        assertNotEquals(src, copy);
        assertTrue(copy.getFileName().toString().endsWith("-m.gguf"), copy.toString());
        assertEquals(-1, Files.mismatch(src, copy));
        assertEquals(copy, ModelFiles.localize(uri, schemeConf()), "copied once");
        Files.setLastModifiedTime(
                src, FileTime.fromMillis(Files.getLastModifiedTime(src).toMillis() + 5000));
        assertNotEquals(copy, ModelFiles.localize(uri, schemeConf()), "a changed file is copied again");
    }

    @Test
    void checkFindsARemoteFileWithoutCopyingIt(@TempDir Path dir) throws IOException {
        String name = "checked-" + System.nanoTime() + ".gguf";
        Path src = dir.resolve(name);
        Files.copy(MODEL, src);
        ModelFiles.check(SchemeFileSystem.SCHEME + "://" + src, schemeConf());
        try (var tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            for (Path d : tmp.filter(d -> d.getFileName().toString().startsWith("drafthorse-models-"))
                    .toList()) {
                try (var copies = Files.list(d)) {
                    assertTrue(
                            copies.noneMatch(f -> f.getFileName().toString().endsWith(name)),
                            "check copied the model into " + d);
                }
            }
        }
        FileNotFoundException e = assertThrows(
                FileNotFoundException.class,
                () -> ModelFiles.check(SchemeFileSystem.SCHEME + ":///no/such.gguf", schemeConf()));
        assertTrue(e.getMessage().startsWith("model file 'dhtest:///no/such.gguf' not found"), e.getMessage());
        e = assertThrows(
                FileNotFoundException.class,
                () -> ModelFiles.check(SchemeFileSystem.SCHEME + "://" + dir, schemeConf()));
        assertTrue(e.getMessage().contains("is not a file"), e.getMessage());
        assertThrows(FileNotFoundException.class, () -> ModelFiles.check("nope.gguf", null));
    }

    @Test
    void bareNamesResolveThroughTheJobsAddedFiles(@TempDir Path dir) throws IOException {
        Path local = dir.resolve("added.gguf");
        Files.copy(MODEL, local);
        Configuration c = new Configuration();
        c.set("tmpfiles", "file:///elsewhere/other.gguf," + local.toUri());
        assertEquals(local, ModelFiles.localize("added.gguf", c));

        Path remote = dir.resolve("remote.gguf");
        Files.copy(MODEL, remote);
        Configuration r = schemeConf();
        r.set("mapreduce.job.cache.files", SchemeFileSystem.SCHEME + "://" + remote + "#remote.gguf");
        Path copy = ModelFiles.localize("remote.gguf", r);
        assertEquals(-1, Files.mismatch(remote, copy));
    }

    @Test
    void aMissingFileSaysWhereItLooked() {
        FileNotFoundException e =
                assertThrows(FileNotFoundException.class, () -> ModelFiles.localize("nope.gguf", null));
        assertTrue(
                e.getMessage()
                        .startsWith("model file 'nope.gguf' not found; looked in the files added with ADD FILE,"
                                + " the local filesystem ("),
                e.getMessage());
        e = assertThrows(
                FileNotFoundException.class,
                () -> ModelFiles.localize(SchemeFileSystem.SCHEME + ":///no/such.gguf", schemeConf()));
        assertTrue(e.getMessage().startsWith("model file 'dhtest:///no/such.gguf' not found"), e.getMessage());
        assertThrows(FileNotFoundException.class, () -> ModelFiles.localize("", null));
    }

    @Test
    void cacheSharesOneValueAndReleasesItWhenUnused(@TempDir Path dir) throws IOException {
        SharedCache cache = new SharedCache(0);
        AtomicInteger loads = new AtomicInteger();
        SharedCache.Loader<String> loader = f -> "value-" + loads.incrementAndGet();
        Path file = dir.resolve("x");
        Files.writeString(file, "a");
        SharedCache.Lease<String> a = cache.acquire("k", file, loader);
        SharedCache.Lease<String> b = cache.acquire("k", file, loader);
        assertSame(a.get(), b.get());
        assertEquals(1, loads.get());
        a.close();
        a.close(); // idempotent
        assertEquals(1, cache.size(), "still held by b");
        b.close();
        assertEquals(0, cache.size(), "released when unused");
        assertThrows(IllegalStateException.class, b::get);

        SharedCache.Lease<String> c = cache.acquire("k", file, loader);
        assertEquals("value-2", c.get());
        Files.setLastModifiedTime(
                file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5000));
        SharedCache.Lease<String> d = cache.acquire("k", file, loader);
        assertEquals("value-3", d.get(), "a changed file loads anew");
        assertEquals(2, cache.size());
        c.close();
        d.close();
    }

    @Test
    void idleEntriesStayForAWhile(@TempDir Path dir) throws Exception {
        SharedCache cache = new SharedCache(200);
        Path file = dir.resolve("x");
        Files.writeString(file, "a");
        AtomicInteger loads = new AtomicInteger();
        cache.acquire("k", file, f -> loads.incrementAndGet()).close();
        cache.acquire("k", file, f -> loads.incrementAndGet()).close();
        assertEquals(1, loads.get(), "reused within the idle time");
        for (int i = 0; i < 100 && cache.size() > 0; i++) {
            Thread.sleep(20);
        }
        assertEquals(0, cache.size(), "released after the idle time");
    }

    @Test
    void enginesShareOneModelPerFile() throws IOException {
        Configuration c = new Configuration();
        try (var a = Engines.model(MODEL.toString(), c);
                var b = Engines.model(MODEL.toUri().toString(), c);
                var t = Engines.tokenizer(MODEL.toString(), c)) {
            assertSame(a.get(), b.get());
            Tokenizer tok = t.get();
            assertEquals(a.get().model().tokenizer().vocabSize(), tok.vocabSize());
        }
    }
}
