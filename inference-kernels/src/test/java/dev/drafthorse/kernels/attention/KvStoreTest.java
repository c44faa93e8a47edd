package dev.drafthorse.kernels.attention;

import static dev.drafthorse.kernels.attention.Fixtures.assertBits;
import static dev.drafthorse.kernels.attention.TiledAttentionTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.drafthorse.kernels.tensor.Float16;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KvStoreTest {
    private static KvStore create(boolean f16, int kvHeads, int headDim, int capacity) {
        return f16 ? new F16KvStore(kvHeads, headDim, capacity) : new F32KvStore(kvHeads, headDim, capacity);
    }

    /** What the store should return for an input: exact for F32, rounded to nearest-even F16 for F16. */
    private static float stored(boolean f16, float x) {
        return f16 ? Float16.toFloat(Float16.fromFloat(x)) : x;
    }

    /** Keys/values written at each position, (positions, kvHeads*headDim). */
    private static float[][] fill(KvStore kv, int positions, Random rnd, float[][] values) {
        int row = kv.kvHeads() * kv.headDim();
        float[][] keys = new float[positions][row];
        for (int p = 0; p < positions; p++) {
            values[p] = new float[row + 3];
            Fixtures.fill(keys[p], rnd, 4f);
            Fixtures.fill(values[p], rnd, 4f);
            kv.put(p, keys[p], 0, values[p], 3); // a non-zero offset on one input
        }
        return keys;
    }

    /** The F32 store's in-place tiles hold what its copies hold; the F16 store has none (kernels copy). */
    @Test
    void inPlaceTilesEqualCopiedTiles() {
        Random rnd = new Random(2);
        int kvHeads = 3;
        int d = 5;
        int n = 20;
        KvStore kv = create(false, kvHeads, d, n);
        fill(kv, n, rnd, new float[n][]);
        float[] tile = new float[7 * d];
        for (int h = 0; h < kvHeads; h++) {
            int off = kv.offset(h, 11);
            kv.readKeys(h, 11, 7, tile, 0);
            assertBits(tile, java.util.Arrays.copyOfRange(kv.keysInPlace(), off, off + 7 * d), "keys h" + h);
            kv.readValues(h, 11, 7, tile, 0);
            assertBits(tile, java.util.Arrays.copyOfRange(kv.valuesInPlace(), off, off + 7 * d), "values h" + h);
        }
        assertMessage("kvHead", () -> kv.offset(kvHeads, 0));
        assertMessage("pos", () -> kv.offset(0, n));
        KvStore f16 = create(true, kvHeads, d, n);
        assertEquals(null, f16.keysInPlace());
        assertEquals(null, f16.valuesInPlace());
    }

    @ParameterizedTest(name = "f16={0}")
    @ValueSource(booleans = {false, true})
    void roundTripsTilesHeadMajor(boolean f16) {
        Random rnd = new Random(1);
        int kvHeads = 3;
        int d = 5;
        int n = 20;
        KvStore kv = create(f16, kvHeads, d, n);
        float[][] values = new float[n][];
        float[][] keys = fill(kv, n, rnd, values);
        float[] tile = new float[2 + 7 * d]; // (7, headDim) after a 2-float offset
        for (int h = 0; h < kvHeads; h++) {
            kv.readKeys(h, 11, 7, tile, 2);
            for (int p = 0; p < 7; p++) {
                for (int i = 0; i < d; i++) {
                    assertEquals(stored(f16, keys[11 + p][h * d + i]), tile[2 + p * d + i], "key h" + h + " p" + p);
                }
            }
            kv.readValues(h, 0, 7, tile, 2);
            for (int p = 0; p < 7; p++) {
                for (int i = 0; i < d; i++) {
                    assertEquals(stored(f16, values[p][3 + h * d + i]), tile[2 + p * d + i], "value");
                }
            }
        }
        assertEquals(f16 ? 2L * 3 * 5 * 2 : 2L * 3 * 5 * 4, kv.bytesPerPosition());
        assertEquals(kvHeads, kv.kvHeads());
        assertEquals(d, kv.headDim());
    }

    @ParameterizedTest(name = "f16={0}")
    @ValueSource(booleans = {false, true})
    void growthKeepsContents(boolean f16) {
        Random rnd = new Random(2);
        KvStore kv = create(f16, 2, 4, 3);
        float[][] values = new float[3][];
        float[][] keys = fill(kv, 3, rnd, values);
        float[] before = new float[3 * 4];
        kv.readKeys(1, 0, 3, before, 0);
        kv.ensureCapacity(2); // smaller: nothing changes
        assertEquals(3, kv.capacity());
        kv.ensureCapacity(100);
        assertEquals(100, kv.capacity());
        float[] after = new float[3 * 4];
        kv.readKeys(1, 0, 3, after, 0);
        assertBits(before, after, "head 1 after growth");
        kv.readValues(0, 0, 3, after, 0);
        for (int p = 0; p < 3; p++) {
            for (int i = 0; i < 4; i++) {
                assertEquals(stored(f16, values[p][3 + i]), after[p * 4 + i]);
            }
        }
        kv.ensureCapacity(101); // grows by at least half so appending one at a time amortizes
        assertEquals(150, kv.capacity());
        kv.put(149, keys[0], 0, keys[0], 0);
        KvStore empty = create(f16, 1, 2, 0);
        empty.ensureCapacity(1);
        assertEquals(1, empty.capacity());
    }

    @ParameterizedTest(name = "f16={0}")
    @ValueSource(booleans = {false, true})
    void copyFromSameTypeIsExactAndHandlesOverlap(boolean f16) {
        Random rnd = new Random(3);
        KvStore src = create(f16, 2, 8, 40);
        fill(src, 40, rnd, new float[40][]);
        KvStore dst = create(f16, 2, 8, 50);
        dst.copyFrom(src, 5, 20, 30);
        float[] a = new float[30 * 8];
        float[] b = new float[30 * 8];
        for (int h = 0; h < 2; h++) {
            src.readKeys(h, 5, 30, a, 0);
            dst.readKeys(h, 20, 30, b, 0);
            assertBits(a, b, "keys");
            src.readValues(h, 5, 30, a, 0);
            dst.readValues(h, 20, 30, b, 0);
            assertBits(a, b, "values");
        }
        // Compaction inside one store: move [10, 40) down to [2, 32) (overlapping).
        float[] expected = new float[30 * 8];
        src.readValues(1, 10, 30, expected, 0);
        src.copyFrom(src, 10, 2, 30);
        float[] moved = new float[30 * 8];
        src.readValues(1, 2, 30, moved, 0);
        assertBits(expected, moved, "compacted");
    }

    @Test
    void copyFromAcrossTypesConverts() {
        Random rnd = new Random(4);
        F32KvStore f32 = new F32KvStore(2, 4, 100);
        float[][] values = new float[100][];
        float[][] keys = fill(f32, 100, rnd, values);
        F16KvStore f16 = new F16KvStore(2, 4, 100);
        f16.copyFrom(f32, 0, 0, 100); // more than one conversion block
        float[] tile = new float[100 * 4];
        f16.readKeys(1, 0, 100, tile, 0);
        for (int p = 0; p < 100; p++) {
            for (int i = 0; i < 4; i++) {
                assertEquals(stored(true, keys[p][4 + i]), tile[p * 4 + i]);
            }
        }
        F32KvStore back = new F32KvStore(2, 4, 100);
        back.copyFrom(f16, 10, 0, 90);
        float[] expected = new float[90 * 4];
        float[] actual = new float[90 * 4];
        f16.readValues(0, 10, 90, expected, 0);
        back.readValues(0, 0, 90, actual, 0);
        assertBits(expected, actual, "F16 to F32");
    }

    @ParameterizedTest(name = "f16={0}")
    @ValueSource(booleans = {false, true})
    void rejectsBadArgumentsNamingThem(boolean f16) {
        KvStore kv = create(f16, 2, 4, 10);
        float[] row = new float[8];
        float[] tile = new float[40];
        assertMessage("kvHeads", () -> create(f16, 0, 4, 1));
        assertMessage("headDim", () -> create(f16, 1, 0, 1));
        assertMessage("capacity", () -> create(f16, 1, 1, -1));
        assertMessage("pos", () -> kv.put(10, row, 0, row, 0));
        assertMessage("pos", () -> kv.put(-1, row, 0, row, 0));
        assertMessage("k", () -> kv.put(0, new float[7], 0, row, 0));
        assertMessage("v", () -> kv.put(0, row, 0, row, 1));
        assertMessage("kvHead", () -> kv.readKeys(2, 0, 1, tile, 0));
        assertMessage("pos0", () -> kv.readValues(0, 8, 3, tile, 0));
        assertMessage("n", () -> kv.readKeys(0, 0, -1, tile, 0));
        assertMessage("dst", () -> kv.readKeys(0, 0, 10, tile, 1));
        assertMessage("positions", () -> kv.ensureCapacity(-5));
        assertMessage("positions", () -> kv.ensureCapacity(Integer.MAX_VALUE));
        assertMessage("src", () -> kv.copyFrom(create(f16, 2, 8, 10), 0, 0, 1));
        assertMessage("src", () -> kv.copyFrom(null, 0, 0, 1));
        assertMessage("srcPos", () -> kv.copyFrom(create(f16, 2, 4, 5), 3, 0, 3));
        assertMessage("dstPos", () -> kv.copyFrom(create(f16, 2, 4, 20), 0, 8, 3));
    }
}
