package dev.drafthorse.ensemble.io;

import static org.junit.jupiter.api.Assertions.*;

import dev.drafthorse.ensemble.EnsembleModel;
import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.Ensembles;
import dev.drafthorse.ensemble.Synthetic;
import dev.drafthorse.ensemble.data.Dataset;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ModelFileTest {
    static Dataset data;
    static EnsembleModel model;
    static byte[] bytes;

    @BeforeAll
    static void train() {
        data = Synthetic.nonlinear(300, 5, 0.05, 8);
        model = Ensembles.train(data, List.of(), EnsembleParams.defaults().with("ensemble.bagging.members", "10"));
        bytes = ModelFile.toBytes(model);
    }

    static EnsembleModel read(byte[] b) throws IOException {
        return ModelFile.read(new ByteArrayInputStream(b), "test.model");
    }

    static ModelFileException refused(byte[] b, String expected) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> read(b));
        assertTrue(e.getMessage().startsWith("test.model: "), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), "'" + expected + "' in: " + e.getMessage());
        return e;
    }

    /** A file with our framing around any header and payload. */
    static byte[] craft(int version, byte[] header, byte[] payload) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(out);
        d.write(ModelFile.MAGIC);
        d.writeInt(version);
        d.writeInt(header.length);
        d.write(header);
        d.writeLong(payload.length);
        d.write(payload);
        CRC32 crc = new CRC32();
        crc.update(header);
        crc.update(payload);
        d.writeInt((int) crc.getValue());
        return out.toByteArray();
    }

    static byte[] serialize(Object o) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = SafeObjectInput.output(b)) {
            oos.writeObject(o);
        }
        return b.toByteArray();
    }

    @Test
    void roundTripPredictsTheSame() throws IOException {
        EnsembleModel back = read(bytes);
        assertEquals(model.header(), back.header());
        for (double[] x : data.x()) {
            assertArrayEquals(model.classifier().posterior(x), back.classifier().posterior(x), 0.0);
        }
        ModelHeader h = ModelFile.readHeader(new ByteArrayInputStream(bytes), "test.model");
        assertEquals(ModelFile.FORMAT_VERSION, h.formatVersion());
        assertEquals("3.1.1", h.smileVersion());
        assertEquals(List.of("0", "1"), h.classes());
        assertEquals(data.featureNames(), h.features());
        assertEquals("10", h.params().get("ensemble.bagging.members"));
        assertEquals("300", h.training().get("rows"));
        assertTrue(h.training().containsKey("oob_accuracy"));
    }

    @Test
    void foreignFilesAreRefused() {
        refused("hello, world\n".getBytes(StandardCharsets.UTF_8), "not a Drafthorse ensemble model file");
        refused(new byte[0], "not a Drafthorse ensemble model file");
        byte[] javaStream = new byte[] {(byte) 0xAC, (byte) 0xED, 0, 5, 0x74, 0, 1, 'x'};
        refused(javaStream, "not a Drafthorse ensemble model file");
    }

    @Test
    void otherVersionsAreRefused() throws IOException {
        byte[] b = bytes.clone();
        b[11] = 3; // version 3, big-endian u32 at offset 8
        refused(b, "format version 3; this build reads version 2 only");
        b[11] = 1; // version 1 held Smile's HashMaps as such
        refused(b, "format version 1; this build reads version 2 only");
        String header = new String(model.header().toJson(), StandardCharsets.UTF_8);
        byte[] payload = serialize(model.classifier());
        refused(
                craft(
                        2,
                        header.replace("\"smile_version\":\"3.1.1\"", "\"smile_version\":\"2.6.0\"")
                                .getBytes(StandardCharsets.UTF_8),
                        payload),
                "written with Smile 2.6.0, this build has Smile 3.1.1");
        refused(
                craft(
                        2,
                        header.replace("\"format_version\":2", "\"format_version\":7")
                                .getBytes(StandardCharsets.UTF_8),
                        payload),
                "header field 'format_version' is 7");
    }

    @Test
    void truncatedFilesAreRefused() {
        int headerLen = model.header().toJson().length;
        int[] cuts = {4, 10, 14, 16 + headerLen / 2, 16 + headerLen + 3, 24 + headerLen + 100, bytes.length - 2};
        for (int cut : cuts) {
            ModelFileException e =
                    assertThrows(ModelFileException.class, () -> read(Arrays.copyOf(bytes, cut)), "cut at " + cut);
            assertTrue(
                    e.getMessage().contains("truncated") || e.getMessage().contains("magic"),
                    "cut at " + cut + ": " + e.getMessage());
        }
    }

    @Test
    void corruptFilesAreRefused() {
        byte[] b = bytes.clone();
        b[b.length - 100] ^= 0x40;
        refused(b, "checksum mismatch");
        byte[] big = bytes.clone();
        big[12] = 0x7f; // header size far beyond the limit
        refused(big, "header size");
    }

    @Test
    void bytesAfterTheModelAreNotRead() throws IOException {
        // a model is one object; the stream after it belongs to the caller (e.g. a container format)
        byte[] withTail = Arrays.copyOf(bytes, bytes.length + 3);
        ByteArrayInputStream in = new ByteArrayInputStream(withTail);
        ModelFile.read(in, "test.model");
        assertEquals(3, in.available());
    }

    @Test
    void gadgetPayloadsAreRefusedBeforeTheyRun() throws IOException {
        byte[] header = model.header().toJson();
        Tripwire.triggered = false;
        refused(
                craft(ModelFile.FORMAT_VERSION, header, serialize(new Tripwire())),
                "class dev.drafthorse.ensemble.io.Tripwire is not allowed");
        // inside a container: no collection class is admitted at all, so the container is refused first
        HashMap<String, Object> nested = new HashMap<>();
        nested.put("x", new Tripwire());
        refused(craft(ModelFile.FORMAT_VERSION, header, serialize(nested)), "class java.util.HashMap is not allowed");
        assertFalse(Tripwire.triggered, "the gadget's readObject never ran");
        // URLDNS: a HashMap keyed by a URL resolves the host when the map rehashes on deserialization
        HashMap<URL, String> urldns = new HashMap<>();
        urldns.put(new URL("file:/tmp/never-resolved"), "x");
        refused(craft(ModelFile.FORMAT_VERSION, header, serialize(urldns)), "class java.util.HashMap is not allowed");
        // a classic gadget entry point of the JDK
        refused(
                craft(
                        ModelFile.FORMAT_VERSION,
                        header,
                        serialize(new javax.management.BadAttributeValueExpException("x"))),
                "class javax.management.BadAttributeValueExpException is not allowed");
    }

    @Test
    void unexpectedClassesAreRefused() throws IOException {
        byte[] header = model.header().toJson();
        refused(
                craft(ModelFile.FORMAT_VERSION, header, serialize("just a string")),
                "payload is a java.lang.String, not an ensemble classifier");
        // an allowed model class, but not the one the header names
        EnsembleModel boost = Ensembles.train(
                data,
                List.of(),
                EnsembleParams.defaults().with("ensemble.method", "boosting").with("ensemble.boosting.trees", "5"));
        refused(
                craft(ModelFile.FORMAT_VERSION, header, serialize(boost.classifier())),
                "the header says dev.drafthorse.ensemble.method.BaggingModel");
        refused(
                craft(
                        ModelFile.FORMAT_VERSION,
                        "{\"format\":\"other\"}".getBytes(StandardCharsets.UTF_8),
                        serialize("x")),
                "header field 'format' is 'other'");
        refused(
                craft(ModelFile.FORMAT_VERSION, "not json".getBytes(StandardCharsets.UTF_8), serialize("x")),
                "header is not valid JSON");
    }

    static final class NotAllowed implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void filterAllowsOnlyTheListedClasses() {
        assertTrue(SafeObjectInput.allowed("smile.classification.DecisionTree"));
        assertTrue(SafeObjectInput.allowed("dev.drafthorse.ensemble.method.BaggingModel"));
        assertFalse(SafeObjectInput.allowed("smile.data.DataFrame"));
        assertFalse(SafeObjectInput.allowed("java.util.PriorityQueue"));
        assertFalse(SafeObjectInput.allowed("java.util.HashMap"));
        assertFalse(SafeObjectInput.allowed("java.util.HashSet"));
        assertFalse(SafeObjectInput.allowed("smile.util.IntSet"), "written in its serial form");
        assertFalse(SafeObjectInput.allowed("smile.data.type.StructType"), "written in its serial form");
        assertFalse(SafeObjectInput.allowed(NotAllowed.class.getName()));
    }

    /** Every method and base learner, three classes, through the file and back (the allow-list covers them all). */
    @Test
    void everyKindOfModelRoundTrips() throws IOException {
        Dataset base = Synthetic.nonlinear(240, 4, 0, 4);
        int[] y = new int[base.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = base.x()[i][0] < -0.3 ? 0 : base.x()[i][0] < 0.3 ? 1 : 2;
        }
        for (Dataset d : List.of(base, Dataset.of(base.x(), y, 3))) {
            EnsembleParams p = EnsembleParams.defaults()
                    .with("ensemble.bagging.members", "4")
                    .with("ensemble.boosting.trees", "10")
                    .with("ensemble.stacking.folds", "3")
                    .with("ensemble.stacking.members", "tree,logistic,bagging,boosting");
            for (EnsembleParams q : List.of(
                    p,
                    p.with("ensemble.bagging.base", "logistic").with("ensemble.bagging.combine", "vote"),
                    p.with("ensemble.method", "boosting"),
                    p.with("ensemble.method", "boosting").with("ensemble.boosting.algorithm", "adaboost"),
                    p.with("ensemble.method", "stacking"),
                    p.with("ensemble.method", "stacking").with("ensemble.stacking.meta", "tree"))) {
                EnsembleModel m = Ensembles.train(d, List.of(), q);
                EnsembleModel back = read(ModelFile.toBytes(m));
                for (int i = 0; i < d.size(); i += 7) {
                    assertArrayEquals(
                            m.classifier().posterior(d.x()[i]),
                            back.classifier().posterior(d.x()[i]),
                            0.0,
                            q.asMap().toString());
                }
            }
        }
    }
}
