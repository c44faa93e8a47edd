package dev.drafthorse.kernels.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.gguf.GgufWriter;
import dev.drafthorse.kernels.gguf.MetadataValue;
import dev.drafthorse.kernels.gguf.TensorInfo;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hyperparameters are refused by name when they cannot be right (issue 15's probes): an RMS epsilon or RoPE base of
 * NaN, 0 or below ran and printed zeros; {@code block_count} below the layers stored silently ran fewer, above them
 * ran out of memory; a tensor of 2^62 elements wrapped its byte size to 0 and was accepted.
 */
class HyperparameterChecksTest {
    @TempDir
    Path dir;

    /** stories260K rewritten with {@code changes} to its metadata and only the tensors {@code keep} accepts. */
    private Path variant(String name, Map<String, MetadataValue> changes, Predicate<String> keep) throws IOException {
        GgufFile f = GgufFile.open(SharedFiles.model("stories260K.gguf"));
        Map<String, MetadataValue> meta = new LinkedHashMap<>(f.metadata());
        meta.putAll(changes);
        GgufWriter w = new GgufWriter().putAll(meta);
        for (TensorInfo t : f.tensors().values()) {
            if (keep.test(t.name())) {
                ByteBuffer b = f.data(t.name()).duplicate();
                byte[] data = new byte[b.remaining()];
                b.get(data);
                w.tensor(t.name(), t.type(), t.shape(), data);
            }
        }
        Path p = dir.resolve(name + ".gguf");
        w.write(p);
        return p;
    }

    private GgufException refused(Path p) {
        return assertThrows(
                GgufException.class,
                () -> {
                    try (Parallel par = new Parallel(1)) {
                        Model.load(p, par);
                    }
                },
                p.toString());
    }

    @Test
    void rmsEpsilonAndRopeBaseMustBePositiveAndFinite() throws IOException {
        String arch = GgufFile.open(SharedFiles.model("stories260K.gguf")).getString("general.architecture");
        for (String key : new String[] {arch + ".attention.layer_norm_rms_epsilon", arch + ".rope.freq_base"}) {
            for (float v : new float[] {Float.NaN, 0f, -1e-5f, Float.POSITIVE_INFINITY}) {
                Path p = variant("bad-" + key + "-" + v, Map.of(key, MetadataValue.float32(v)), n -> true);
                GgufException e = refused(p);
                assertEquals(key, e.field(), e.getMessage());
                assertTrue(e.getMessage().contains("must be a positive finite number, found " + v), e.getMessage());
            }
        }
    }

    @Test
    void blockCountMustEqualTheLayersStored() throws IOException {
        GgufFile f = GgufFile.open(SharedFiles.model("stories260K.gguf"));
        String key = f.getString("general.architecture") + ".block_count";
        int layers = f.getInt(key, 1);
        for (long declared : new long[] {layers - 1, layers + 1, 1_000_000_000L}) {
            GgufException e = refused(
                    variant("blocks-" + declared, Map.of(key, MetadataValue.uint32((int) declared)), n -> true));
            assertEquals(key, e.field(), e.getMessage());
            assertTrue(
                    e.getMessage().contains(declared + " blocks declared, but the file stores " + layers),
                    e.getMessage());
        }
        // One layer fewer stored than declared.
        String last = "blk." + (layers - 1) + ".";
        GgufException e = refused(variant("missing-layer", Map.of(), n -> !n.startsWith(last)));
        assertTrue(
                e.getMessage().contains(layers + " blocks declared, but the file stores " + (layers - 1)),
                e.getMessage());
    }

    @Test
    void aTensorWhoseByteSizeOverflowsIsRefused() throws IOException {
        // A tensor's shape rewritten to 2^62 elements (4 dims of at most 2^16, none absurd for a 16 KiB file): F32
        // data of 2^64 bytes, which wrapped to 0 and was accepted.
        GgufWriter w = new GgufWriter().putString("general.architecture", "llama");
        w.tensor("big", GgmlType.F32, new long[] {4096, 1, 1, 1}, new byte[16384]);
        Path p = dir.resolve("big.gguf");
        w.write(p);
        byte[] b = Files.readAllBytes(p);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int at = indexOf(b, "big".getBytes()) + 3; // after the name: n_dims (u32), then ne[0..3] (u64)
        assertEquals(4, bb.getInt(at));
        long[] shape = {1L << 16, 1L << 16, 1L << 16, 1L << 14};
        for (int d = 0; d < 4; d++) {
            bb.putLong(at + 4 + 8 * d, shape[d]);
        }
        Files.write(p, b);
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.open(p));
        assertTrue(e.getMessage().contains("tensor 'big'"), e.getMessage());
        assertTrue(e.getMessage().contains("the byte size of F32 data overflows"), e.getMessage());
    }

    @Test
    void unsignedValuesPrintAsUnsigned() {
        assertEquals("4294967295", MetadataValue.uint32(-1).toString());
        assertEquals(
                "255",
                MetadataValue.of(dev.drafthorse.kernels.gguf.ValueType.UINT8, (byte) -1)
                        .toString());
        assertEquals(
                "18446744073709551615",
                MetadataValue.of(dev.drafthorse.kernels.gguf.ValueType.UINT64, -1L)
                        .toString());
        assertEquals(
                "-1",
                MetadataValue.of(dev.drafthorse.kernels.gguf.ValueType.INT32, -1)
                        .toString());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
