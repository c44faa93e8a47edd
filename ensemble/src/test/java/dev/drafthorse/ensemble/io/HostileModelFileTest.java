package dev.drafthorse.ensemble.io;

import static org.junit.jupiter.api.Assertions.*;

import dev.drafthorse.ensemble.EnsembleModel;
import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.Ensembles;
import dev.drafthorse.ensemble.Synthetic;
import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.learner.Classifier;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crafted model files of issue 15, kept as tests: payloads that would hang or exhaust memory (refused within
 * 2 s in a JVM of 256 MB), and files edited with their checksum recomputed (a garbled class or field name, a tree
 * node without a child, a member array with a hole), each refused with a {@link ModelFileException} naming what
 * is wrong, not an error later in a task.
 */
class HostileModelFileTest {
    static Dataset data;
    static EnsembleModel model;
    static byte[] header;

    @BeforeAll
    static void train() {
        data = Synthetic.nonlinear(200, 4, 0.05, 8);
        model = Ensembles.train(data, List.of(), EnsembleParams.defaults().with("ensemble.bagging.members", "3"));
        header = model.header().toJson();
    }

    static byte[] plain(Object o) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(b)) {
            oos.writeObject(o);
        }
        return b.toByteArray();
    }

    static byte[] forms(Object o) throws IOException {
        return ModelFileTest.serialize(o);
    }

    static byte[] file(byte[] payload) throws IOException {
        return ModelFileTest.craft(ModelFile.FORMAT_VERSION, header, payload);
    }

    /** The "SerialDOS" shape: maps keyed by maps, two per level, each level's hash the hash of the level below twice. */
    static byte[] serialDos(int depth) throws IOException {
        Map<Object, Object> root = new HashMap<>();
        Map<Object, Object> a = root;
        Map<Object, Object> b = new HashMap<>();
        for (int i = 0; i < depth; i++) {
            Map<Object, Object> ta = new HashMap<>();
            Map<Object, Object> tb = new HashMap<>();
            ta.put("foo", "bar"); // so that ta and tb differ
            a.put(ta, "x");
            a.put(tb, "x");
            b.put(ta, "x");
            b.put(tb, "x");
            a = ta;
            b = tb;
        }
        return file(plain(root));
    }

    /** A long[] that declares 199,999,999 elements (1.6 GB) and holds one. */
    static byte[] longArray() throws IOException {
        byte[] s = plain(new long[] {42});
        ByteBuffer.wrap(s).putInt(s.length - 12, 199_999_999);
        return file(s);
    }

    /** In a JVM of 256 MB (the probes of the issue allocated 1.6 GB or ran for minutes), each file is refused within 2 s. */
    @Test
    void denialOfServicePayloadsAreRefusedQuicklyInASmallHeap(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("serialdos-28.model"), serialDos(28));
        Files.write(dir.resolve("serialdos-100.model"), serialDos(100));
        Files.write(dir.resolve("long-array.model"), longArray());
        // the long array inside a real model's stream: in place of the first double[] the model holds
        byte[] payload = forms(model.classifier());
        // the class descriptor of double[]: TC_CLASSDESC, the name "[D" (2-byte length), suid (8), flags (1), field
        // count (2), end of block data, no superclass; then the array's length
        int at = indexOf(payload, new byte[] {0x72, 0, 2, '[', 'D'});
        assertTrue(at > 0);
        int lengthAt = at + 5 + 8 + 1 + 2 + 1 + 1;
        ByteBuffer.wrap(payload).putInt(lengthAt, 199_999_999);
        Files.write(dir.resolve("long-array-in-model.model"), file(payload));
        // and no nesting beyond the limit: a tree far deeper than ensemble.tree.max_depth allows (1000)
        smile.base.cart.Node chain = new smile.base.cart.DecisionNode(new int[] {1, 1});
        for (int i = 0; i < 5000; i++) {
            chain = new smile.base.cart.OrdinalNode(
                    0, 0.5, 0, 0, chain, new smile.base.cart.DecisionNode(new int[] {1, 1}));
        }
        Files.write(dir.resolve("deep.model"), file(plainDeep(chain)));
        // a tree of depth 300 is within the limits (refused later, as no classifier)
        smile.base.cart.Node deepest = new smile.base.cart.DecisionNode(new int[] {1, 1});
        for (int i = 0; i < 300; i++) {
            deepest = new smile.base.cart.OrdinalNode(
                    0, 0.5, 0, 0, deepest, new smile.base.cart.DecisionNode(new int[] {1, 1}));
        }
        Files.write(dir.resolve("deepest-allowed.model"), file(plainDeep(deepest)));

        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(
                List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        try (var files = Files.list(dir)) {
            files.sorted().forEach(f -> cmd.add(f.toString()));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals(6, out.lines().filter(l -> l.startsWith("refused ")).count(), out);
        for (String line : out.lines().filter(l -> l.startsWith("refused ")).toList()) {
            long ms = Long.parseLong(line.split(" ")[1]);
            assertTrue(ms < 2000, line);
        }
        assertTrue(out.contains("serialdos-100.model: payload refused: class java.util.HashMap is not allowed"), out);
        assertTrue(
                out.contains(
                        "long-array.model: payload refused: array long[199999999] (needs at least 1599999992 bytes;"),
                out);
        assertTrue(out.contains("long-array-in-model.model: payload refused: array double[199999999]"), out);
        // refused at the depth limit, or before it when the thread's stack (1 MB here) runs out first (interpreted
        // frames are larger): a named error either way, not a StackOverflowError
        assertTrue(
                out.contains("deep.model: payload refused: limits (depth 1101 of at most 1100")
                        || out.contains("deep.model: payload nests deeper than this thread's stack allows"),
                out);
        assertTrue(
                out.contains(
                        "deepest-allowed.model: payload is a smile.base.cart.OrdinalNode, not an ensemble classifier"),
                out);
    }

    static byte[] plainDeep(Object o) throws IOException {
        // serializing a deep chain recurses: a thread with a large stack
        byte[][] out = new byte[1][];
        IOException[] err = new IOException[1];
        Thread t = new Thread(
                null,
                () -> {
                    try {
                        out[0] = plain(o);
                    } catch (IOException e) {
                        err[0] = e;
                    }
                },
                "deep",
                256L << 20);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
        if (err[0] != null) {
            throw err[0];
        }
        return out[0];
    }

    /** Reads each file named on the command line and says how it was refused and how long it took; exit 1 if one loads. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            int loaded = 0;
            for (String a : args) {
                byte[] b = Files.readAllBytes(Path.of(a));
                long t0 = System.nanoTime();
                try {
                    ModelFile.read(new ByteArrayInputStream(b), a);
                    System.out.println("loaded " + a);
                    loaded++;
                } catch (ModelFileException e) {
                    System.out.println("refused " + (System.nanoTime() - t0) / 1_000_000 + " " + e.getMessage());
                }
            }
            System.exit(loaded == 0 ? 0 : 1);
        }
    }

    static int indexOf(byte[] b, byte[] what) {
        return indexOf(b, what, 0);
    }

    static int indexOf(byte[] b, byte[] what, int from) {
        outer:
        for (int i = from; i + what.length <= b.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (b[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Version 1 payloads (plain Java serialization, Smile's HashMaps as such) are refused by the class that holds one. */
    @Test
    void plainSerializationIsRefused() throws IOException {
        ModelFileTest.refused(file(plain(model.classifier())), "payload refused: class smile.");
    }

    /**
     * Every class name in a real model's stream, garbled in its last letter with the checksum recomputed, is refused
     * by name; so is every field name (a stream field the class lacks would leave the class's own field null).
     */
    @Test
    void garbledNamesAreRefusedByName() throws IOException {
        // bagged trees and boosted trees (which hold Smile's IntSet) in one stream
        EnsembleModel boost = Ensembles.train(
                data,
                List.of(),
                EnsembleParams.defaults().with("ensemble.method", "boosting").with("ensemble.boosting.trees", "3"));
        byte[] payload = forms(new Classifier[] {model.classifier(), boost.classifier()});
        String text = new String(payload, StandardCharsets.ISO_8859_1);
        List<String> classes = new ArrayList<>();
        for (String c : SafeObjectInput.ALLOWED) {
            if (text.contains(c)) {
                classes.add(c);
            }
        }
        classes.add("dev.drafthorse.ensemble.method.BaggingModel");
        classes.add("dev.drafthorse.ensemble.learner.TreeClassifier");
        classes.add("dev.drafthorse.ensemble.learner.BoostedClassifier");
        assertTrue(classes.size() > 10, classes.toString());
        int done = 0;
        for (String c : classes) {
            byte[] name = c.getBytes(StandardCharsets.ISO_8859_1);
            // class descriptors hold the name as a modified-UTF-8 string: a 2-byte length, then the bytes
            int at = -1;
            for (int i = indexOf(payload, name); i >= 0; i = indexOf(payload, name, i + 1)) {
                if (i >= 2 && ((payload[i - 2] & 0xff) << 8 | payload[i - 1] & 0xff) == name.length) {
                    at = i;
                    break;
                }
            }
            if (at < 0) {
                continue;
            }
            done++;
            byte[] b = payload.clone();
            b[at + name.length - 1] ^= 0x01;
            String garbled = new String(b, at, name.length, StandardCharsets.ISO_8859_1);
            ModelFileException e = ModelFileTest.refused(file(b), garbled);
            assertTrue(
                    e.getMessage().contains("is not allowed") || e.getMessage().contains("not on the class path"),
                    e.getMessage());
        }
        assertTrue(done > 10, "class names garbled: " + done);
        for (String field : List.of("root", "trueChild", "members", "classes", "values", "fields")) {
            byte[] name = field.getBytes(StandardCharsets.ISO_8859_1);
            int at = indexOf(payload, name);
            assertTrue(at > 0, field);
            byte[] b = payload.clone();
            b[at + name.length - 1] ^= 0x01;
            ModelFileTest.refused(file(b), "with fields");
        }
    }

    static void set(Object o, Class<?> declaring, String field, Object value) throws ReflectiveOperationException {
        Field f = declaring.getDeclaredField(field);
        f.setAccessible(true);
        f.set(o, value);
    }

    static Object get(Object o, Class<?> declaring, String field) throws ReflectiveOperationException {
        Field f = declaring.getDeclaredField(field);
        f.setAccessible(true);
        return f.get(o);
    }

    /** Holes that serialization cannot see, each refused by what is missing. */
    @Test
    void structuralHolesAreRefused() throws Exception {
        EnsembleModel m =
                Ensembles.train(data, List.of(), EnsembleParams.defaults().with("ensemble.bagging.members", "3"));
        Classifier[] members = (Classifier[]) get(m.classifier(), m.classifier().getClass(), "members");
        Object tree = get(members[0], members[0].getClass(), "tree");
        Object root = get(tree, smile.base.cart.CART.class, "root");
        assertInstanceOf(smile.base.cart.InternalNode.class, root);
        Object child = get(root, smile.base.cart.InternalNode.class, "trueChild");
        set(root, smile.base.cart.InternalNode.class, "trueChild", null);
        ModelFileTest.refused(
                file(forms(m.classifier())), "payload is not a usable model: a tree node (smile.base.cart.");
        set(root, smile.base.cart.InternalNode.class, "trueChild", child);
        set(tree, smile.base.cart.CART.class, "root", null);
        ModelFileTest.refused(file(forms(m.classifier())), "has no root");
        set(tree, smile.base.cart.CART.class, "root", root);
        Classifier kept = members[1];
        members[1] = null;
        ModelFileTest.refused(
                file(forms(m.classifier())), "an array of dev.drafthorse.ensemble.learner.Classifier has no element 1");
        members[1] = kept;
        // and put back, it loads and predicts as before
        EnsembleModel back = ModelFile.read(new ByteArrayInputStream(file(forms(m.classifier()))), "test.model");
        for (double[] x : data.x()) {
            assertArrayEquals(model.classifier().posterior(x), back.classifier().posterior(x), 0.0);
        }
    }
}
