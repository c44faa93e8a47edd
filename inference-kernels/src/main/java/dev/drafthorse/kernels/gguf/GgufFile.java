package dev.drafthorse.kernels.gguf;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3, little-endian): metadata, tensor infos, and memory-mapped tensor data.
 *
 * <p>Layout (the spec's struct order): magic {@code "GGUF"}, uint32 version, uint64 tensor count,
 * uint64 metadata count, the metadata key/values, the tensor infos, padding to {@code general.alignment}
 * (default 32), then the data section in which each tensor's offset is aligned.
 *
 * <p>Every structural field is checked against the file size before anything is allocated, so a
 * corrupt or hostile file fails with a {@link GgufException} naming the file, the field and the value,
 * never with an {@code OutOfMemoryError}. Each tensor is mapped on its own, so files over 2 GiB work as
 * long as a single tensor stays under 2 GiB.
 */
public final class GgufFile {
    /** "GGUF" read as a little-endian uint32. */
    public static final int MAGIC = 0x46554747;

    public static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DIMS = 4;

    private final Path path;
    private final int version;
    private final Map<String, MetadataValue> metadata;
    private final Map<String, TensorInfo> tensors;
    private final int alignment;
    private final long dataOffset;
    private final long fileSize;
    private final Map<String, ByteBuffer> mapped = new LinkedHashMap<>();

    private GgufFile(
            Path path,
            int version,
            Map<String, MetadataValue> metadata,
            Map<String, TensorInfo> tensors,
            int alignment,
            long dataOffset,
            long fileSize) {
        this.path = path;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.fileSize = fileSize;
    }

    /** Reads the header of {@code path} and maps every tensor read-only. */
    public static GgufFile open(Path path) throws IOException {
        String name = path.toString();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            Reader r = new Reader(ch, name, size);
            int magic = r.i32("magic");
            if (magic != MAGIC) {
                throw new GgufException(
                        name, "magic", String.format("expected 0x%08x (\"GGUF\"), found 0x%08x", MAGIC, magic));
            }
            int version = r.i32("version");
            if (version != 2 && version != 3) {
                throw new GgufException(
                        name,
                        "version",
                        "unsupported version " + Integer.toUnsignedString(version) + " (supported: 2, 3)");
            }
            long tensorCount = r.u64("tensor_count");
            long kvCount = r.u64("metadata_kv_count");
            // Each tensor info takes at least 8+4+8+4+8 bytes, each key/value at least 8+4+1.
            r.checkCount("tensor_count", tensorCount, 32);
            r.checkCount("metadata_kv_count", kvCount, 13);

            Map<String, MetadataValue> metadata = new LinkedHashMap<>();
            for (long i = 0; i < kvCount; i++) {
                String key = r.string("metadata[" + i + "].key");
                int typeId = r.i32("metadata '" + key + "' type");
                ValueType type = ValueType.byId(typeId);
                if (type == null) {
                    throw new GgufException(name, "metadata '" + key + "' type", "unknown value type " + typeId);
                }
                MetadataValue value = r.value("metadata '" + key + "'", type, 0);
                if (metadata.put(key, value) != null) {
                    throw new GgufException(name, "metadata '" + key + "'", "duplicate key");
                }
            }

            int alignment = DEFAULT_ALIGNMENT;
            MetadataValue alignValue = metadata.get("general.alignment");
            if (alignValue != null) {
                if (!(alignValue.value() instanceof Integer a) || a <= 0 || (a & (a - 1)) != 0) {
                    throw new GgufException(
                            name, "general.alignment", "must be a power-of-two uint32, found " + alignValue);
                }
                alignment = a;
            }

            List<TensorInfo> infos = new ArrayList<>();
            Map<String, TensorInfo> byName = new LinkedHashMap<>();
            for (long i = 0; i < tensorCount; i++) {
                String tname = r.string("tensor[" + i + "].name");
                String field = "tensor '" + tname + "'";
                int nDims = r.i32(field + " n_dims");
                if (nDims < 1 || nDims > MAX_DIMS) {
                    throw new GgufException(
                            name,
                            field + " n_dims",
                            "must be 1.." + MAX_DIMS + ", found " + Integer.toUnsignedString(nDims));
                }
                long[] shape = new long[nDims];
                long elements = 1;
                for (int d = 0; d < nDims; d++) {
                    shape[d] = r.u64(field + " ne[" + d + "]");
                    if (shape[d] <= 0 || shape[d] > size * 8 + 64) {
                        throw new GgufException(
                                name, field + " ne[" + d + "]", "absurd dimension " + Long.toUnsignedString(shape[d]));
                    }
                    elements = Math.multiplyHigh(elements, shape[d]) != 0 ? Long.MAX_VALUE : elements * shape[d];
                    if (elements < 0 || elements == Long.MAX_VALUE) {
                        throw new GgufException(name, field + " shape", "element count overflows");
                    }
                }
                int typeId = r.i32(field + " type");
                GgmlType type = GgmlType.byId(typeId);
                if (type == null) {
                    throw new GgufException(name, field + " type", "unknown ggml type " + typeId);
                }
                if (shape[0] % type.blockSize() != 0) {
                    throw new GgufException(
                            name,
                            field + " ne[0]",
                            shape[0] + " is not a multiple of the " + type + " block size " + type.blockSize());
                }
                long elementCount = elements;
                if (elementCount / type.blockSize() > Long.MAX_VALUE / type.bytesFor(type.blockSize())) {
                    throw new GgufException(
                            name,
                            field + " shape",
                            Arrays.toString(shape) + ": the byte size of " + type + " data overflows");
                }
                long offset = r.u64(field + " offset");
                if (offset < 0 || offset % alignment != 0) {
                    throw new GgufException(
                            name,
                            field + " offset",
                            Long.toUnsignedString(offset) + " is not a multiple of the alignment " + alignment);
                }
                TensorInfo info = new TensorInfo(tname, shape, type, offset);
                if (byName.put(tname, info) != null) {
                    throw new GgufException(name, field, "duplicate tensor name");
                }
                infos.add(info);
            }

            long dataOffset = align(r.position(), alignment);
            for (TensorInfo t : infos) {
                long end = dataOffset + t.offset() + t.bytes();
                // Compared without sums that could wrap: offset and size are each below 2^63 but not their sum.
                if (dataOffset > size || t.offset() > size - dataOffset || t.bytes() > size - dataOffset - t.offset()) {
                    throw new GgufException(
                            name,
                            "tensor '" + t.name() + "' offset",
                            "data [" + (dataOffset + t.offset()) + ", " + end + ") lies beyond the end of the file ("
                                    + size + " bytes): truncated file?");
                }
            }
            GgufFile file = new GgufFile(path, version, metadata, byName, alignment, dataOffset, size);
            for (TensorInfo t : infos) {
                if (t.bytes() > Integer.MAX_VALUE) {
                    throw new GgufException(
                            name,
                            "tensor '" + t.name() + "'",
                            t.bytes() + " bytes: tensors over 2 GiB are not supported");
                }
                ByteBuffer b = t.bytes() == 0
                        ? ByteBuffer.allocate(0)
                        : ch.map(FileChannel.MapMode.READ_ONLY, dataOffset + t.offset(), t.bytes());
                file.mapped.put(t.name(), b.order(ByteOrder.LITTLE_ENDIAN));
            }
            return file;
        }
    }

    static long align(long pos, int alignment) {
        return (pos + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public int alignment() {
        return alignment;
    }

    /** Absolute file offset of the data section. */
    public long dataOffset() {
        return dataOffset;
    }

    public long fileSize() {
        return fileSize;
    }

    /** All metadata, in file order. */
    public Map<String, MetadataValue> metadata() {
        return metadata;
    }

    /** All tensor infos by name, in file order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public boolean hasTensor(String name) {
        return tensors.containsKey(name);
    }

    public TensorInfo tensor(String name) throws GgufException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new GgufException(path.toString(), "tensor '" + name + "'", "missing");
        }
        return t;
    }

    /** The tensor's bytes: a read-only little-endian view of the mapped file (position 0). */
    public ByteBuffer data(String name) throws GgufException {
        tensor(name);
        return mapped.get(name).duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public MetadataValue value(String key) throws GgufException {
        MetadataValue v = metadata.get(key);
        if (v == null) {
            throw new GgufException(path.toString(), "metadata '" + key + "'", "missing");
        }
        return v;
    }

    /** A string value. */
    public String getString(String key) throws GgufException {
        MetadataValue v = value(key);
        if (v.type() != ValueType.STRING) {
            throw wrongType(key, v, "string");
        }
        return (String) v.value();
    }

    public String getString(String key, String fallback) throws GgufException {
        return has(key) ? getString(key) : fallback;
    }

    /** An integer value of any integer type, widened; unsigned types are read as unsigned. */
    public long getLong(String key) throws GgufException {
        MetadataValue v = value(key);
        Object o = v.value();
        return switch (v.type()) {
            case UINT8 -> ((Byte) o) & 0xffL;
            case INT8 -> (Byte) o;
            case UINT16 -> ((Short) o) & 0xffffL;
            case INT16 -> (Short) o;
            case UINT32 -> ((Integer) o) & 0xffffffffL;
            case INT32 -> (Integer) o;
            case UINT64, INT64 -> (Long) o;
            default -> throw wrongType(key, v, "integer");
        };
    }

    /** An integer value that must fit in an int and be at least {@code min}. */
    public int getInt(String key, int min) throws GgufException {
        long v = getLong(key);
        if (v < min || v > Integer.MAX_VALUE) {
            throw new GgufException(
                    path.toString(),
                    "metadata '" + key + "'",
                    "value " + v + " out of range [" + min + ", " + Integer.MAX_VALUE + "]");
        }
        return (int) v;
    }

    public int getInt(String key, int min, int fallback) throws GgufException {
        return has(key) ? getInt(key, min) : fallback;
    }

    /** A float value (FLOAT32 or FLOAT64, or an integer). */
    public float getFloat(String key) throws GgufException {
        MetadataValue v = value(key);
        return switch (v.type()) {
            case FLOAT32 -> (Float) v.value();
            case FLOAT64 -> (float) (double) (Double) v.value();
            case BOOL, STRING, ARRAY -> throw wrongType(key, v, "number");
            default -> (float) getLong(key);
        };
    }

    public float getFloat(String key, float fallback) throws GgufException {
        return has(key) ? getFloat(key) : fallback;
    }

    public boolean getBool(String key, boolean fallback) throws GgufException {
        if (!has(key)) {
            return fallback;
        }
        MetadataValue v = value(key);
        if (v.type() != ValueType.BOOL) {
            throw wrongType(key, v, "bool");
        }
        return (Boolean) v.value();
    }

    /** An array of strings. */
    public String[] getStringArray(String key) throws GgufException {
        MetadataValue v = value(key);
        if (v.type() != ValueType.ARRAY || v.elementType() != ValueType.STRING) {
            throw wrongType(key, v, "array of strings");
        }
        return (String[]) v.value();
    }

    /** An array of FLOAT32. */
    public float[] getFloatArray(String key) throws GgufException {
        MetadataValue v = value(key);
        if (v.type() != ValueType.ARRAY || v.elementType() != ValueType.FLOAT32) {
            throw wrongType(key, v, "array of float32");
        }
        return (float[]) v.value();
    }

    /** An array of 32-bit (or narrower) integers, widened to int. */
    public int[] getIntArray(String key) throws GgufException {
        MetadataValue v = value(key);
        if (v.type() != ValueType.ARRAY) {
            throw wrongType(key, v, "array of integers");
        }
        Object o = v.value();
        if (o instanceof int[] a) {
            return a;
        }
        if (o instanceof byte[] a) {
            int[] r = new int[a.length];
            for (int i = 0; i < a.length; i++) {
                r[i] = v.elementType() == ValueType.UINT8 ? a[i] & 0xff : a[i];
            }
            return r;
        }
        if (o instanceof short[] a) {
            int[] r = new int[a.length];
            for (int i = 0; i < a.length; i++) {
                r[i] = v.elementType() == ValueType.UINT16 ? a[i] & 0xffff : a[i];
            }
            return r;
        }
        throw wrongType(key, v, "array of integers");
    }

    private GgufException wrongType(String key, MetadataValue v, String expected) {
        String found = v.type() == ValueType.ARRAY
                ? "array of " + v.elementType()
                : v.type().toString();
        return new GgufException(
                path.toString(), "metadata '" + key + "'", "expected " + expected + ", found " + found);
    }

    @Override
    public String toString() {
        return path + " (GGUF v" + version + ", " + metadata.size() + " metadata, " + tensors.size() + " tensors)";
    }

    /** Sequential little-endian reads over the header with bounds checked against the file size. */
    private static final class Reader {
        private final FileChannel ch;
        private final String file;
        private final long size;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private long bufStart;

        Reader(FileChannel ch, String file, long size) {
            this.ch = ch;
            this.file = file;
            this.size = size;
            buf.limit(0);
        }

        long position() {
            return bufStart + buf.position();
        }

        long remaining() {
            return size - position();
        }

        private void need(int n, String field) throws IOException {
            if (buf.remaining() >= n) {
                return;
            }
            if (remaining() < n) {
                throw new GgufException(
                        file, field, "truncated: needs " + n + " bytes at offset " + position() + ", file has " + size);
            }
            long pos = position();
            buf.compact(); // the unread bytes [pos, pos + k) now sit at [0, k)
            while (buf.position() < n) {
                int read = ch.read(buf, pos + buf.position());
                if (read < 0) {
                    throw new EOFException(file + ": " + field + ": unexpected end of file");
                }
            }
            buf.flip();
            bufStart = pos;
        }

        void checkCount(String field, long count, long minBytesEach) throws GgufException {
            if (count < 0 || count > remaining() / minBytesEach) {
                throw new GgufException(
                        file,
                        field,
                        "absurd count " + Long.toUnsignedString(count) + ": needs at least "
                                + minBytesEach + " bytes each but only " + remaining() + " of the file's " + size
                                + " bytes remain (truncated or corrupt)");
            }
        }

        int i32(String field) throws IOException {
            need(4, field);
            return buf.getInt();
        }

        long u64(String field) throws IOException {
            need(8, field);
            return buf.getLong();
        }

        String string(String field) throws IOException {
            long len = u64(field + " length");
            if (len < 0 || len > remaining()) {
                throw new GgufException(
                        file,
                        field,
                        "string length " + Long.toUnsignedString(len) + " exceeds the " + remaining()
                                + " bytes left in the file");
            }
            byte[] bytes = new byte[(int) Math.min(len, Integer.MAX_VALUE)];
            int off = 0;
            while (off < bytes.length) {
                int n = Math.min(bytes.length - off, buf.capacity());
                need(n, field);
                buf.get(bytes, off, n);
                off += n;
            }
            try {
                return StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes))
                        .toString();
            } catch (CharacterCodingException e) {
                // Some vocabularies hold byte strings that are not valid UTF-8; keep them readable.
                return new String(bytes, StandardCharsets.UTF_8);
            }
        }

        MetadataValue value(String field, ValueType type, int depth) throws IOException {
            return switch (type) {
                case UINT8, INT8 -> {
                    need(1, field);
                    yield MetadataValue.of(type, buf.get());
                }
                case UINT16, INT16 -> {
                    need(2, field);
                    yield MetadataValue.of(type, buf.getShort());
                }
                case UINT32, INT32 -> MetadataValue.of(type, i32(field));
                case UINT64, INT64 -> MetadataValue.of(type, u64(field));
                case FLOAT32 -> {
                    need(4, field);
                    yield MetadataValue.of(type, buf.getFloat());
                }
                case FLOAT64 -> {
                    need(8, field);
                    yield MetadataValue.of(type, buf.getDouble());
                }
                case BOOL -> {
                    need(1, field);
                    byte b = buf.get();
                    if (b != 0 && b != 1) {
                        throw new GgufException(file, field, "bool must be 0 or 1, found " + b);
                    }
                    yield MetadataValue.of(type, b == 1);
                }
                case STRING -> MetadataValue.string(string(field));
                case ARRAY -> array(field, depth);
            };
        }

        private MetadataValue array(String field, int depth) throws IOException {
            if (depth > 8) {
                throw new GgufException(file, field, "arrays nested deeper than 8");
            }
            int typeId = i32(field + " element type");
            ValueType et = ValueType.byId(typeId);
            if (et == null) {
                throw new GgufException(file, field + " element type", "unknown value type " + typeId);
            }
            long count = u64(field + " count");
            checkCount(field + " count", count, et.size() > 0 ? et.size() : 8);
            int n = (int) count;
            switch (et) {
                case UINT8, INT8 -> {
                    byte[] a = new byte[n];
                    for (int i = 0; i < n; i++) {
                        need(1, field);
                        a[i] = buf.get();
                    }
                    return MetadataValue.array(et, a);
                }
                case UINT16, INT16 -> {
                    short[] a = new short[n];
                    for (int i = 0; i < n; i++) {
                        need(2, field);
                        a[i] = buf.getShort();
                    }
                    return MetadataValue.array(et, a);
                }
                case UINT32, INT32 -> {
                    int[] a = new int[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = i32(field);
                    }
                    return MetadataValue.array(et, a);
                }
                case UINT64, INT64 -> {
                    long[] a = new long[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = u64(field);
                    }
                    return MetadataValue.array(et, a);
                }
                case FLOAT32 -> {
                    float[] a = new float[n];
                    for (int i = 0; i < n; i++) {
                        need(4, field);
                        a[i] = buf.getFloat();
                    }
                    return MetadataValue.array(et, a);
                }
                case FLOAT64 -> {
                    double[] a = new double[n];
                    for (int i = 0; i < n; i++) {
                        need(8, field);
                        a[i] = buf.getDouble();
                    }
                    return MetadataValue.array(et, a);
                }
                case BOOL -> {
                    boolean[] a = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = (Boolean) value(field, et, depth).value();
                    }
                    return MetadataValue.array(et, a);
                }
                case STRING -> {
                    String[] a = new String[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = string(field + "[" + i + "]");
                    }
                    return MetadataValue.array(et, a);
                }
                case ARRAY -> {
                    MetadataValue[] a = new MetadataValue[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = array(field + "[" + i + "]", depth + 1);
                    }
                    return MetadataValue.array(et, a);
                }
                default -> throw new IllegalStateException(et.toString());
            }
        }
    }
}
