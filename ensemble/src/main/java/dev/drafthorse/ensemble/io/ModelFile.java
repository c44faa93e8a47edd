package dev.drafthorse.ensemble.io;

import dev.drafthorse.ensemble.EnsembleModel;
import dev.drafthorse.ensemble.learner.Classifier;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * The ensemble model file: our own versioned header, then the Smile model as a Java serialization stream.
 *
 * <pre>
 * offset  size   field
 * 0       8      magic        89 'D' 'H' 'E' 'N' 'S' 0D 0A  (a non-ASCII first byte and CR LF: a text-mode
 *                                                            copy or a stray text file fails here)
 * 8       4      version      u32 big-endian, {@value #FORMAT_VERSION}
 * 12      4      header size  u32 big-endian, at most {@value #MAX_HEADER} bytes
 * 16      h      header       UTF-8 JSON ({@link ModelHeader}): format version, Smile version, method,
 *                             classes, feature names in order, sources, hyperparameters, training metadata
 * 16+h    8      payload size u64 big-endian, at most {@value #MAX_PAYLOAD} bytes
 * 24+h    s      payload      Java serialization of one {@link Classifier}
 * 24+h+s  4      crc32        of header and payload bytes
 * </pre>
 *
 * <p>Reading checks, in order: magic, version, sizes, that every promised byte is there (truncation), the
 * checksum, then the header (JSON fields, and the Smile version against the one on the class path, since
 * Smile's serialized form changes between versions), and only then deserializes the payload behind
 * {@link SafeObjectInput}'s allow-list and limits (time and memory bounded by the payload's size; no hash-based
 * collection is deserialized: version 2 writes Smile's map-holding classes in {@link SerialForms}), checks that the
 * object is of the class the header names, and its structure ({@link ModelCheck}: no missing tree child or member,
 * and a row of zeros predicts a proper posterior). Each refusal is a {@link ModelFileException} naming the file and
 * the field.
 *
 * <p>Writing is deterministic: the header has no timestamps and sorted maps, and the payload is the
 * serialization of a model trained deterministically.
 */
public final class ModelFile {
    /** The version this build writes and reads. */
    public static final int FORMAT_VERSION = 2;

    static final byte[] MAGIC = {(byte) 0x89, 'D', 'H', 'E', 'N', 'S', '\r', '\n'};
    static final int MAX_HEADER = 16 << 20;
    static final long MAX_PAYLOAD = Integer.MAX_VALUE - 64;

    private ModelFile() {}

    /** Writes {@code model}; {@code out} is flushed, not closed. */
    public static void write(EnsembleModel model, OutputStream out) throws IOException {
        byte[] header = model.header().toJson();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = SafeObjectInput.output(buf)) {
            oos.writeObject(model.classifier());
        }
        byte[] payload = buf.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(header);
        crc.update(payload);
        DataOutputStream d = new DataOutputStream(out);
        d.write(MAGIC);
        d.writeInt(FORMAT_VERSION);
        d.writeInt(header.length);
        d.write(header);
        d.writeLong(payload.length);
        d.write(payload);
        d.writeInt((int) crc.getValue());
        d.flush();
    }

    /** The file's bytes. */
    public static byte[] toBytes(EnsembleModel model) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(model, out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** Reads only the header (for inspection), with every check up to the payload's deserialization. */
    public static ModelHeader readHeader(InputStream in, String where) throws IOException {
        return readChecked(in, where).header;
    }

    /**
     * Reads a model. {@code in} is read to the end of the model (and must end there), not closed.
     *
     * @param where the file name or path, for messages
     */
    public static EnsembleModel read(InputStream in, String where) throws IOException {
        Checked c = readChecked(in, where);
        Object o;
        SafeObjectInput.Filter filter = new SafeObjectInput.Filter(c.payload.length);
        try (ObjectInputStream ois = SafeObjectInput.open(new ByteArrayInputStream(c.payload), filter)) {
            o = ois.readObject();
            if (ois.read() != -1) {
                throw new ModelFileException(where + ": payload has bytes after its object");
            }
        } catch (InvalidClassException e) {
            String what = filter.refused() != null ? filter.refused() : e.getMessage();
            throw new ModelFileException(
                    where + ": payload refused: " + what
                            + " is not allowed (only ensemble and Smile model classes, as this build has them, are deserialized,"
                            + " within limits set by the payload's size)",
                    e);
        } catch (ClassNotFoundException e) {
            throw new ModelFileException(
                    where + ": payload names class " + e.getMessage() + ", which is not on the class path", e);
        } catch (ModelFileException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ModelFileException(where + ": payload is not a valid serialized model: " + e, e);
        } catch (StackOverflowError e) {
            // nesting within the depth limit, on a thread with a small stack: the stream is dropped, nothing else is
            // left
            throw new ModelFileException(where + ": payload nests deeper than this thread's stack allows (-Xss)", e);
        }
        if (!(o instanceof Classifier cl)) {
            throw new ModelFileException(
                    where + ": payload is a " + o.getClass().getName() + ", not an ensemble classifier");
        }
        if (!o.getClass().getName().equals(c.header.payloadClass())) {
            throw new ModelFileException(where + ": payload is a "
                    + o.getClass().getName() + ", the header says " + c.header.payloadClass());
        }
        if (cl.numClasses() != c.header.classes().size()) {
            throw new ModelFileException(where + ": payload has " + cl.numClasses() + " classes, the header lists "
                    + c.header.classes().size());
        }
        try {
            ModelCheck.check(cl, c.header.features().size(), c.header.classes().size());
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(where + ": payload is not a usable model: " + e.getMessage(), e);
        }
        return new EnsembleModel(c.header, cl);
    }

    private record Checked(ModelHeader header, byte[] payload) {}

    private static Checked readChecked(InputStream in, String where) throws IOException {
        DataInputStream d = new DataInputStream(in);
        byte[] magic = new byte[MAGIC.length];
        int got = d.readNBytes(magic, 0, magic.length);
        if (got < magic.length || !Arrays.equals(magic, MAGIC)) {
            throw new ModelFileException(where + ": not a Drafthorse ensemble model file (magic "
                    + HexFormat.of().formatHex(magic, 0, got) + ", expected "
                    + HexFormat.of().formatHex(MAGIC) + ")");
        }
        int version = readInt(d, where, "version");
        if (version != FORMAT_VERSION) {
            throw new ModelFileException(where + ": model file format version " + Integer.toUnsignedString(version)
                    + "; this build reads version " + FORMAT_VERSION + " only (retrain, or use the matching release)");
        }
        int hlen = readInt(d, where, "header size");
        if (hlen <= 0 || hlen > MAX_HEADER) {
            throw new ModelFileException(where + ": header size " + Integer.toUnsignedString(hlen)
                    + " is out of range (1.." + MAX_HEADER + ")");
        }
        byte[] header = readExactly(d, hlen, where, "header");
        long plen = readLong(d, where, "payload size");
        if (plen <= 0 || plen > MAX_PAYLOAD) {
            throw new ModelFileException(where + ": payload size " + Long.toUnsignedString(plen)
                    + " is out of range (1.." + MAX_PAYLOAD + ")");
        }
        byte[] payload = readExactly(d, (int) plen, where, "payload");
        int crcStored = readInt(d, where, "checksum");
        CRC32 crc = new CRC32();
        crc.update(header);
        crc.update(payload);
        if ((int) crc.getValue() != crcStored) {
            throw new ModelFileException(where + ": checksum mismatch (stored " + Integer.toHexString(crcStored)
                    + ", computed " + Long.toHexString(crc.getValue()) + "): the file is corrupt");
        }
        ModelHeader h = ModelHeader.fromJson(header, where);
        if (h.formatVersion() != version) {
            throw new ModelFileException(where + ": header field 'format_version' is " + h.formatVersion()
                    + " but the file's version is " + version);
        }
        String smile = ModelHeader.runtimeSmileVersion();
        if (!h.smileVersion().equals(smile)) {
            throw new ModelFileException(
                    where + ": model was written with Smile " + h.smileVersion() + ", this build has Smile " + smile
                            + "; Smile's serialized models do not carry across versions: retrain");
        }
        return new Checked(h, payload);
    }

    private static byte[] readExactly(DataInputStream d, int n, String where, String what) throws IOException {
        byte[] b = d.readNBytes(n);
        if (b.length < n) {
            throw new ModelFileException(
                    where + ": truncated in the " + what + ": expected " + n + " bytes, found " + b.length);
        }
        return b;
    }

    private static int readInt(DataInputStream d, String where, String what) throws IOException {
        try {
            return d.readInt();
        } catch (EOFException e) {
            throw new ModelFileException(where + ": truncated at the " + what);
        }
    }

    private static long readLong(DataInputStream d, String where, String what) throws IOException {
        try {
            return d.readLong();
        } catch (EOFException e) {
            throw new ModelFileException(where + ": truncated at the " + what);
        }
    }
}
