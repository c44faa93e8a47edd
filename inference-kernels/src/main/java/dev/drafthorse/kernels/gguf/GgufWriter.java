package dev.drafthorse.kernels.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF files (version 3 by default, or 2): metadata in insertion order, tensors in insertion
 * order, each tensor's data aligned to {@code general.alignment}. Tests build random models with it;
 * heads and quantized models are stored with it.
 */
public final class GgufWriter {
    private final Map<String, MetadataValue> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();
    private int version = 3;

    private record Pending(String name, long[] shape, GgmlType type, byte[] data) {}

    public GgufWriter version(int v) {
        if (v != 2 && v != 3) {
            throw new IllegalArgumentException("version must be 2 or 3, got " + v);
        }
        this.version = v;
        return this;
    }

    public GgufWriter put(String key, MetadataValue value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, MetadataValue.string(value));
    }

    public GgufWriter putUint32(String key, int value) {
        return put(key, MetadataValue.uint32(value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, MetadataValue.float32(value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, MetadataValue.of(ValueType.BOOL, value));
    }

    /** Copies every metadata entry of another file (e.g. a tokenizer) into this one. */
    public GgufWriter putAll(Map<String, MetadataValue> entries) {
        metadata.putAll(entries);
        return this;
    }

    /**
     * Adds a tensor whose data is already encoded in {@code type}'s layout.
     *
     * @param shape ggml order (shape[0] is the row length)
     */
    public GgufWriter tensor(String name, GgmlType type, long[] shape, byte[] data) {
        long elements = 1;
        for (long d : shape) {
            elements *= d;
        }
        if (shape[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException(
                    name + ": row length " + shape[0] + " is not a multiple of " + type.blockSize());
        }
        if (type.bytesFor(elements) != data.length) {
            throw new IllegalArgumentException(name + ": " + data.length + " bytes given, " + type + " " + elements
                    + " elements need " + type.bytesFor(elements));
        }
        tensors.add(new Pending(name, shape.clone(), type, data));
        return this;
    }

    public void write(Path path) throws IOException {
        int alignment = GgufFile.DEFAULT_ALIGNMENT;
        MetadataValue a = metadata.get("general.alignment");
        if (a != null) {
            alignment = (Integer) a.value();
        }
        try (OutputStream raw = Files.newOutputStream(path);
                Out out = new Out(new BufferedOutputStream(raw, 1 << 20))) {
            out.i32(GgufFile.MAGIC);
            out.i32(version);
            out.i64(tensors.size());
            out.i64(metadata.size());
            for (Map.Entry<String, MetadataValue> e : metadata.entrySet()) {
                out.string(e.getKey());
                out.i32(e.getValue().type().id());
                out.value(e.getValue());
            }
            long offset = 0;
            long[] offsets = new long[tensors.size()];
            for (int i = 0; i < tensors.size(); i++) {
                Pending t = tensors.get(i);
                offsets[i] = offset;
                offset = GgufFile.align(offset + t.data.length, alignment);
            }
            for (int i = 0; i < tensors.size(); i++) {
                Pending t = tensors.get(i);
                out.string(t.name);
                out.i32(t.shape.length);
                for (long d : t.shape) {
                    out.i64(d);
                }
                out.i32(t.type.id());
                out.i64(offsets[i]);
            }
            out.pad(alignment);
            long dataStart = out.written;
            for (int i = 0; i < tensors.size(); i++) {
                while (out.written - dataStart < offsets[i]) {
                    out.u8(0);
                }
                out.bytes(tensors.get(i).data);
            }
        }
    }

    private static final class Out implements AutoCloseable {
        private final OutputStream os;
        private final ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        long written;

        Out(OutputStream os) {
            this.os = os;
        }

        void u8(int v) throws IOException {
            os.write(v);
            written++;
        }

        void bytes(byte[] a) throws IOException {
            os.write(a);
            written += a.length;
        }

        void i16(short v) throws IOException {
            b.clear();
            b.putShort(v);
            os.write(b.array(), 0, 2);
            written += 2;
        }

        void i32(int v) throws IOException {
            b.clear();
            b.putInt(v);
            os.write(b.array(), 0, 4);
            written += 4;
        }

        void i64(long v) throws IOException {
            b.clear();
            b.putLong(v);
            os.write(b.array(), 0, 8);
            written += 8;
        }

        void string(String s) throws IOException {
            byte[] a = s.getBytes(StandardCharsets.UTF_8);
            i64(a.length);
            bytes(a);
        }

        void pad(int alignment) throws IOException {
            while (written % alignment != 0) {
                u8(0);
            }
        }

        void value(MetadataValue v) throws IOException {
            if (v.type() == ValueType.ARRAY) {
                array(v);
            } else {
                scalar(v.type(), v.value());
            }
        }

        private void scalar(ValueType type, Object o) throws IOException {
            switch (type) {
                case UINT8, INT8 -> u8((Byte) o);
                case UINT16, INT16 -> i16((Short) o);
                case UINT32, INT32 -> i32((Integer) o);
                case UINT64, INT64 -> i64((Long) o);
                case FLOAT32 -> i32(Float.floatToRawIntBits((Float) o));
                case FLOAT64 -> i64(Double.doubleToRawLongBits((Double) o));
                case BOOL -> u8(((Boolean) o) ? 1 : 0);
                case STRING -> string((String) o);
                case ARRAY -> throw new IllegalStateException("nested arrays are written through array()");
            }
        }

        private void array(MetadataValue v) throws IOException {
            ValueType et = v.elementType();
            i32(et.id());
            Object a = v.value();
            int n = java.lang.reflect.Array.getLength(a);
            i64(n);
            for (int i = 0; i < n; i++) {
                Object e = java.lang.reflect.Array.get(a, i);
                if (et == ValueType.ARRAY) {
                    array((MetadataValue) e);
                } else {
                    scalar(et, e);
                }
            }
        }

        @Override
        public void close() throws IOException {
            os.close();
        }
    }
}
