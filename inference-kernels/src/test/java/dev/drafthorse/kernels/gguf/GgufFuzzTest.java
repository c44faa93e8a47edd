package dev.drafthorse.kernels.gguf;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutants of a shipped model (issue 15's acceptance): every mutant either loads or is refused with a
 * {@link GgufException} naming the file and a field; nothing else escapes (no OutOfMemoryError, no
 * ArithmeticException, no IndexOutOfBounds, no NaN model that "runs").
 *
 * <p>Mutations aim at the header and tensor table, where the structure is: single bytes flipped, 32- and 64-bit
 * little-endian words overwritten with extremes (0, 1, -1, 2^31-1, 2^62, a huge count), and truncations.
 */
class GgufFuzzTest {
    private static final long[] EXTREMES = {
        0, 1, -1, 0x7fffffffL, 0x80000000L, 0xffffffffL, 1L << 62, Long.MAX_VALUE, 1_000_000_000L, 199_999_999L
    };

    @TempDir
    Path dir;

    @Test
    void everyMutantLoadsOrIsRefusedByName() throws IOException {
        byte[] good = Files.readAllBytes(SharedFiles.model("stories260K.gguf"));
        int header;
        try {
            header = (int) GgufFile.open(SharedFiles.model("stories260K.gguf")).dataOffset();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Random rnd = new Random(15);
        List<String> loaded = new ArrayList<>();
        long start = System.nanoTime();
        Path p = dir.resolve("mutant.gguf");
        for (int i = 0; i < 300; i++) {
            byte[] b = good.clone();
            String what;
            int kind = rnd.nextInt(4);
            int at = rnd.nextInt(header);
            switch (kind) {
                case 0 -> {
                    b[at] ^= (byte) (1 << rnd.nextInt(8));
                    what = "bit flip at " + at;
                }
                case 1 -> {
                    long v = EXTREMES[rnd.nextInt(EXTREMES.length)];
                    at = Math.min(at, header - 4);
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, (int) v);
                    what = "u32 " + Long.toUnsignedString(v & 0xffffffffL) + " at " + at;
                }
                case 2 -> {
                    long v = EXTREMES[rnd.nextInt(EXTREMES.length)];
                    at = Math.min(at, header - 8);
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
                    what = "u64 " + Long.toUnsignedString(v) + " at " + at;
                }
                default -> {
                    int len = rnd.nextInt(good.length);
                    b = java.util.Arrays.copyOf(b, len);
                    what = "truncated to " + len;
                }
            }
            Files.write(p, b);
            try (Parallel par = new Parallel(1)) {
                Model.load(p, par);
                loaded.add(what);
            } catch (GgufException e) {
                assertTrue(
                        e.getMessage().startsWith(p.toString() + ": ")
                                && e.field() != null
                                && !e.field().isEmpty(),
                        what + ": a refusal must name the file and the field: " + e.getMessage());
            } catch (Throwable t) {
                fail("mutant " + i + " (" + what + "): " + t, t);
            }
        }
        assertTrue((System.nanoTime() - start) / 1e9 < 60, "under a minute");
        assertTrue(loaded.size() < 300, "most mutants are refused: " + loaded.size() + " loaded");
    }
}
