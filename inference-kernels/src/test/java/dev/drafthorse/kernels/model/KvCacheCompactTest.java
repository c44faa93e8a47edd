package dev.drafthorse.kernels.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link KvCache#compact}: kept positions land at base + j with their exact keys and values, in every layer and type. */
class KvCacheCompactTest {
    static final ModelConfig C = new ModelConfig("llama", 16, 3, 4, 2, 4, 32, 300, 128, 1e-5f, 10000f, 4, false, 1f);

    @Test
    void keptPositionsMoveDownExactly() {
        for (KvType type : KvType.values()) {
            for (int[] keep : new int[][] {{0, 1, 2}, {0, 2, 5, 6, 7, 11}, {3}, {}, {1, 2, 3, 9}}) {
                KvCache cache = new KvCache(C, type, 64, 4);
                int base = 5;
                int n = 12;
                Random r = new Random(keep.length);
                float[][][] k = new float[C.layers()][base + n][C.kvDim()]; // what was written at each position
                float[][][] v = new float[C.layers()][base + n][C.kvDim()];
                cache.reserve(base + n);
                for (int l = 0; l < C.layers(); l++) {
                    for (int p = 0; p < base + n; p++) {
                        for (int i = 0; i < C.kvDim(); i++) {
                            k[l][p][i] = (float) r.nextGaussian();
                            v[l][p][i] = (float) r.nextGaussian();
                        }
                        cache.layer(l).put(p, k[l][p], 0, v[l][p], 0);
                    }
                }
                cache.advance(base + n);
                // What each position reads back before compaction (F16 rounds on the way in).
                float[][][] before = read(cache, base + n, true);
                float[][][] beforeV = read(cache, base + n, false);
                cache.compact(base, keep);
                assertEquals(base + keep.length, cache.length());
                float[][][] after = read(cache, base + keep.length, true);
                float[][][] afterV = read(cache, base + keep.length, false);
                for (int l = 0; l < C.layers(); l++) {
                    for (int p = 0; p < base; p++) {
                        assertArrayEquals(before[l][p], after[l][p], type + " prefix position " + p);
                    }
                    for (int j = 0; j < keep.length; j++) {
                        assertArrayEquals(
                                before[l][base + keep[j]], after[l][base + j], type + " kept " + keep[j] + " -> " + j);
                        assertArrayEquals(
                                beforeV[l][base + keep[j]], afterV[l][base + j], type + " values, kept " + keep[j]);
                    }
                }
            }
        }
    }

    @Test
    void badOffsetsAreRefused() {
        KvCache cache = new KvCache(C, KvType.F32, 16, 16);
        cache.reserve(8);
        cache.advance(8);
        assertThrows(IllegalArgumentException.class, () -> cache.compact(2, new int[] {0, 0}));
        assertThrows(IllegalArgumentException.class, () -> cache.compact(2, new int[] {6}));
        assertThrows(IllegalArgumentException.class, () -> cache.compact(9, new int[] {}));
        assertThrows(IllegalArgumentException.class, () -> cache.compact(2, new int[] {-1, 2}));
    }

    /** Every position's keys (or values) of every layer, read through the store's tile reads, (layer, pos, kvDim). */
    private static float[][][] read(KvCache cache, int n, boolean keys) {
        float[][][] out = new float[C.layers()][n][C.kvDim()];
        float[] tile = new float[C.headDim()];
        for (int l = 0; l < C.layers(); l++) {
            for (int p = 0; p < n; p++) {
                for (int h = 0; h < C.kvHeads(); h++) {
                    if (keys) {
                        cache.layer(l).readKeys(h, p, 1, tile, 0);
                    } else {
                        cache.layer(l).readValues(h, p, 1, tile, 0);
                    }
                    System.arraycopy(tile, 0, out[l][p], h * C.headDim(), C.headDim());
                }
            }
        }
        return out;
    }
}
