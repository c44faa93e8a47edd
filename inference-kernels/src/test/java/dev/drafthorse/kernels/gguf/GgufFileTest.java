package dev.drafthorse.kernels.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.tensor.Quantize;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Writer/reader round trips of every value type and tensor type, and refusals of malformed files. */
class GgufFileTest {
    @TempDir
    Path dir;

    private Path writeSample(int version) throws IOException {
        GgufWriter w = new GgufWriter().version(version);
        w.put("u8", MetadataValue.of(ValueType.UINT8, (byte) 200));
        w.put("i8", MetadataValue.of(ValueType.INT8, (byte) -5));
        w.put("u16", MetadataValue.of(ValueType.UINT16, (short) 60000));
        w.put("i16", MetadataValue.of(ValueType.INT16, (short) -300));
        w.put("u32", MetadataValue.of(ValueType.UINT32, 0xfffffff0));
        w.put("i32", MetadataValue.of(ValueType.INT32, -7));
        w.put("f32", MetadataValue.of(ValueType.FLOAT32, 1.5f));
        w.put("bool", MetadataValue.of(ValueType.BOOL, true));
        w.put("str", MetadataValue.string("héllo ✓"));
        w.put("u64", MetadataValue.of(ValueType.UINT64, Long.MAX_VALUE));
        w.put("i64", MetadataValue.of(ValueType.INT64, -9L));
        w.put("f64", MetadataValue.of(ValueType.FLOAT64, 2.25));
        w.put("arr.i32", MetadataValue.array(ValueType.INT32, new int[] {1, 2, 3}));
        w.put("arr.str", MetadataValue.array(ValueType.STRING, new String[] {"a", "", "ü"}));
        w.put("arr.f32", MetadataValue.array(ValueType.FLOAT32, new float[] {0.5f}));
        w.put("arr.u8", MetadataValue.array(ValueType.UINT8, new byte[] {(byte) 255, 0}));
        w.put("arr.nested", MetadataValue.array(ValueType.ARRAY, new MetadataValue[] {
            MetadataValue.array(ValueType.INT32, new int[] {4}),
            MetadataValue.array(ValueType.STRING, new String[] {"x"})
        }));
        float[] values = new float[64 * 3];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i % 17) - 8;
        }
        for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0}) {
            w.tensor("t." + t, t, new long[] {64, 3}, Quantize.encode(t, values, 64));
        }
        Path p = dir.resolve("sample-v" + version + ".gguf");
        w.write(p);
        return p;
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void roundTripsEveryValueAndTensorType(int version) throws IOException {
        GgufFile f = GgufFile.open(writeSample(version));
        assertEquals(version, f.version());
        assertEquals(200, f.getLong("u8"));
        assertEquals(-5, f.getLong("i8"));
        assertEquals(60000, f.getLong("u16"));
        assertEquals(-300, f.getLong("i16"));
        assertEquals(0xfffffff0L, f.getLong("u32"));
        assertEquals(-7, f.getLong("i32"));
        assertEquals(1.5f, f.getFloat("f32"));
        assertTrue(f.getBool("bool", false));
        assertEquals("héllo ✓", f.getString("str"));
        assertEquals(Long.MAX_VALUE, f.getLong("u64"));
        assertEquals(-9, f.getLong("i64"));
        assertEquals(2.25f, f.getFloat("f64"));
        assertArrayEquals(new int[] {1, 2, 3}, f.getIntArray("arr.i32"));
        assertArrayEquals(new String[] {"a", "", "ü"}, f.getStringArray("arr.str"));
        assertArrayEquals(new float[] {0.5f}, f.getFloatArray("arr.f32"));
        assertArrayEquals(new int[] {255, 0}, f.getIntArray("arr.u8"));
        MetadataValue[] nested = (MetadataValue[]) f.value("arr.nested").value();
        assertArrayEquals(new int[] {4}, (int[]) nested[0].value());
        for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0}) {
            TensorInfo info = f.tensor("t." + t);
            assertEquals(t, info.type());
            assertArrayEquals(new long[] {64, 3}, info.shape());
            assertEquals(0, (f.dataOffset() + info.offset()) % f.alignment());
            ByteBuffer b = f.data("t." + t);
            assertEquals(info.bytes(), b.remaining());
        }
        assertEquals(-8f, f.data("t.F32").getFloat(0));
    }

    @Test
    void customAlignmentIsHonoured() throws IOException {
        GgufWriter w = new GgufWriter().putUint32("general.alignment", 64);
        w.tensor("a", GgmlType.F32, new long[] {3}, new byte[12]);
        w.tensor("b", GgmlType.F32, new long[] {5}, new byte[20]);
        Path p = dir.resolve("align.gguf");
        w.write(p);
        GgufFile f = GgufFile.open(p);
        assertEquals(64, f.alignment());
        assertEquals(0, f.dataOffset() % 64);
        assertEquals(64, f.tensor("b").offset());
    }

    /** A broken copy of the sample: patch bytes at an offset, or cut the file. */
    private GgufException broken(byte[] file, String name) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, file);
        return assertThrows(GgufException.class, () -> GgufFile.open(p));
    }

    private static void putLe(byte[] a, int off, long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            a[off + i] = (byte) (v >>> (8 * i));
        }
    }

    @Test
    void badMagicVersionAndCountsNameTheField() throws IOException {
        byte[] good = Files.readAllBytes(writeSample(3));

        byte[] magic = good.clone();
        magic[0] = 'X';
        GgufException e = broken(magic, "magic.gguf");
        assertTrue(e.getMessage().contains("magic") && e.getMessage().contains("magic.gguf"), e.getMessage());

        byte[] version = good.clone();
        putLe(version, 4, 7, 4);
        e = broken(version, "version.gguf");
        assertTrue(e.getMessage().contains("version") && e.getMessage().contains("7"), e.getMessage());

        byte[] tensors = good.clone();
        putLe(tensors, 8, 1L << 40, 8);
        e = broken(tensors, "tensors.gguf");
        assertTrue(e.getMessage().contains("tensor_count"), e.getMessage());

        byte[] kvs = good.clone();
        putLe(kvs, 16, -1L, 8);
        e = broken(kvs, "kv.gguf");
        assertTrue(e.getMessage().contains("metadata_kv_count"), e.getMessage());

        // The first key's length: absurd.
        byte[] keyLen = good.clone();
        putLe(keyLen, 24, 1L << 50, 8);
        e = broken(keyLen, "keylen.gguf");
        assertTrue(e.getMessage().contains("metadata[0].key"), e.getMessage());
    }

    @Test
    void truncatedFilesFailWithTheField() throws IOException {
        byte[] good = Files.readAllBytes(writeSample(3));
        GgufException e = broken(Arrays.copyOf(good, 40), "tiny.gguf");
        assertTrue(e.getMessage().contains("tensor_count") && e.getMessage().contains("absurd count"), e.getMessage());
        e = broken(Arrays.copyOf(good, 300), "short-header.gguf");
        assertTrue(
                e.getMessage().contains("metadata")
                        && (e.getMessage().contains("truncated")
                                || e.getMessage().contains("exceeds")),
                e.getMessage());
        e = broken(Arrays.copyOf(good, good.length - 10), "short-data.gguf");
        assertTrue(
                e.getMessage().contains("beyond the end of the file")
                        && e.getMessage().contains("t.Q4_0"),
                e.getMessage());
    }

    /** Builds a file with one tensor whose info fields can be corrupted. */
    private byte[] oneTensor(int type, long offset, long ne0) {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(GgufFile.MAGIC).putInt(3).putLong(1).putLong(0);
        byte[] name = "w".getBytes();
        b.putLong(name.length).put(name).putInt(1).putLong(ne0).putInt(type).putLong(offset);
        while (b.position() % 32 != 0) {
            b.put((byte) 0);
        }
        b.put(new byte[128]);
        return Arrays.copyOf(b.array(), b.position());
    }

    @Test
    void badTensorInfosFailWithTheTensorAndField() throws IOException {
        assertTrue(GgufFile.open(writeBytes(oneTensor(0, 0, 8), "ok.gguf")).hasTensor("w"));
        GgufException e = broken(oneTensor(99, 0, 8), "type.gguf");
        assertTrue(e.getMessage().contains("tensor 'w' type") && e.getMessage().contains("99"), e.getMessage());
        e = broken(oneTensor(0, 4, 8), "misaligned.gguf");
        assertTrue(e.getMessage().contains("offset") && e.getMessage().contains("alignment"), e.getMessage());
        e = broken(oneTensor(0, 1 << 20, 8), "beyond.gguf");
        assertTrue(e.getMessage().contains("beyond the end"), e.getMessage());
        e = broken(oneTensor(0, 0, 1L << 60), "huge.gguf");
        assertTrue(e.getMessage().contains("ne[0]"), e.getMessage());
        e = broken(oneTensor(8, 0, 20), "block.gguf");
        assertTrue(e.getMessage().contains("block size"), e.getMessage());
    }

    private Path writeBytes(byte[] b, String name) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    @Test
    void filesOverTwoGibMapTensorsPastTheLimit() throws IOException {
        // A sparse file: a 2.5 GiB zero tensor, then a small tensor whose data starts past 2 GiB.
        long big = (5L << 29);
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(GgufFile.MAGIC).putInt(3).putLong(2).putLong(0);
        for (String n : new String[] {"big", "tail"}) {
            byte[] name = n.getBytes();
            b.putLong(name.length).put(name).putInt(2);
            if (n.equals("big")) {
                b.putLong(1 << 20).putLong(big / 4 / (1 << 20)).putInt(0).putLong(0);
            } else {
                b.putLong(4).putLong(1).putInt(0).putLong(big);
            }
        }
        while (b.position() % 32 != 0) {
            b.put((byte) 0);
        }
        long dataStart = b.position();
        Path p = dir.resolve("big.gguf");
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.write(b.array(), 0, b.position());
            raf.seek(dataStart + big);
            ByteBuffer tail = ByteBuffer.allocate(16)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putFloat(1f)
                    .putFloat(2f)
                    .putFloat(3f)
                    .putFloat(4f);
            raf.write(tail.array());
        }
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.open(p));
        assertTrue(e.getMessage().contains("'big'") && e.getMessage().contains("2 GiB"), e.getMessage());
        // Without the oversized tensor the same layout maps fine: rewrite its info to a 1 GiB slice.
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.seek(24 + 8 + 3 + 4 + 8);
            raf.write(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(256)
                    .array());
        }
        GgufFile f = GgufFile.open(p);
        assertTrue(f.fileSize() > (2L << 30));
        assertEquals(3f, f.data("tail").getFloat(8));
    }
}
