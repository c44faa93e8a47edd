package dev.drafthorse.hive;

import static dev.drafthorse.hive.Udtfs.constString;
import static dev.drafthorse.hive.Udtfs.javaDouble;
import static dev.drafthorse.hive.Udtfs.javaInt;
import static dev.drafthorse.hive.Udtfs.javaString;
import static dev.drafthorse.hive.Udtfs.list;
import static dev.drafthorse.hive.Udtfs.map;
import static dev.drafthorse.hive.Udtfs.writableString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.ensemble.Prediction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.hive.common.type.HiveDecimal;
import org.apache.hadoop.hive.ql.exec.UDFArgumentException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentLengthException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentTypeException;
import org.apache.hadoop.hive.ql.metadata.HiveException;
import org.apache.hadoop.hive.ql.udf.generic.GenericUDF.DeferredJavaObject;
import org.apache.hadoop.hive.ql.udf.generic.GenericUDF.DeferredObject;
import org.apache.hadoop.hive.serde2.io.DoubleWritable;
import org.apache.hadoop.hive.serde2.io.HiveDecimalWritable;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspectorUtils;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorFactory;
import org.apache.hadoop.io.Text;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnsemblePredictUDFTest {
    @TempDir
    static Path dir;

    static EnsembleFixture.Trained trained;
    static String path;

    private final List<EnsemblePredictUDF> opened = new ArrayList<>();

    @BeforeAll
    static void train() throws Exception {
        trained = EnsembleFixture.train(dir);
        path = trained.file().toString();
    }

    @AfterEach
    void closeAll() {
        opened.forEach(EnsemblePredictUDF::close);
    }

    /** An initialized instance, closed after the test. */
    private EnsemblePredictUDF udf(ObjectInspector... args) throws UDFArgumentException {
        EnsemblePredictUDF u = new EnsemblePredictUDF();
        ObjectInspector out = u.initialize(args);
        assertEquals("struct<label:string,probability:double>", out.getTypeName());
        opened.add(u);
        return u;
    }

    private static UDFArgumentTypeException typeError(int position, ObjectInspector... args) {
        UDFArgumentTypeException e =
                assertThrows(UDFArgumentTypeException.class, () -> new EnsemblePredictUDF().initialize(args));
        assertEquals(position, e.getArgumentId(), e.getMessage());
        assertTrue(e.getMessage().startsWith("ensemble_predict: "), e.getMessage());
        return e;
    }

    /** The result as (label, probability), or null. */
    private static List<Object> eval(EnsemblePredictUDF u, Object... args) throws HiveException {
        DeferredObject[] d = new DeferredObject[args.length];
        for (int i = 0; i < args.length; i++) {
            d[i] = new DeferredJavaObject(args[i]);
        }
        Object r = u.evaluate(d);
        if (r == null) {
            return null;
        }
        Object[] row = (Object[]) r;
        return List.of(row[0].toString(), ((DoubleWritable) row[1]).get());
    }

    private static List<Object> direct(int row) {
        Prediction p = trained.model()
                .predict(trained.table().ids().get(row), trained.table().rows()[row]);
        return List.of(p.label(), p.probability());
    }

    private static Object[] columns(Object pathArg, double[] x) {
        Object[] a = new Object[x.length + 1];
        a[0] = pathArg;
        for (int j = 0; j < x.length; j++) {
            a[j + 1] = x[j];
        }
        return a;
    }

    // ---- initialize failures -------------------------------------------------------------------------

    @Test
    void wrongArity() {
        UDFArgumentLengthException e = assertThrows(
                UDFArgumentLengthException.class,
                () -> new EnsemblePredictUDF().initialize(new ObjectInspector[] {javaString()}));
        assertTrue(
                e.getMessage().startsWith("ensemble_predict takes at least 2 arguments, got 1: ensemble_predict("),
                e.getMessage());
    }

    @Test
    void modelPathMustBeAString() {
        typeError(0, javaInt(), javaDouble());
    }

    @Test
    void constantModelPathMustNotBeEmpty() {
        typeError(0, constString(""), javaDouble());
    }

    @Test
    void featureArgumentsMustBeNumbers() {
        assertTrue(typeError(2, javaString(), javaDouble(), javaString())
                .getMessage()
                .contains("argument 3 (feature 2) must be a number (an array or map of features must be the only"
                        + " feature argument), got string"));
        assertTrue(typeError(1, javaString(), javaString())
                .getMessage()
                .contains("argument 2 (feature 1) must be a number, ARRAY<DOUBLE> or MAP<STRING,DOUBLE>, got string"));
        typeError(1, javaString(), list(javaDouble()), javaDouble());
    }

    @Test
    void arrayMustHoldNumbersAndMapMustBeKeyedByStrings() {
        assertTrue(typeError(1, javaString(), list(javaString()))
                .getMessage()
                .contains("argument 2 (features) must be ARRAY<DOUBLE>, got array<string>"));
        assertTrue(typeError(1, javaString(), map(javaInt(), javaDouble()))
                .getMessage()
                .contains("argument 2 (features) must be MAP<STRING,DOUBLE>, got map<int,double>"));
        typeError(1, javaString(), map(javaString(), javaString()));
    }

    @Test
    void constantPathWithTheWrongNumberOfFeaturesNamesBothCounts() {
        UDFArgumentLengthException e = assertThrows(
                UDFArgumentLengthException.class,
                () -> new EnsemblePredictUDF()
                        .initialize(new ObjectInspector[] {constString(path), javaDouble(), javaDouble()}));
        assertEquals(
                "ensemble_predict: the model '" + path + "' takes 3 features (f1, f2, f3), got 2 feature arguments",
                e.getMessage());
    }

    @Test
    void constantPathThatIsMissingOrNotAModelFailsAtInitialize() throws Exception {
        UDFArgumentException missing = assertThrows(
                UDFArgumentException.class,
                () -> new EnsemblePredictUDF().initialize(new ObjectInspector[] {
                    constString(dir.resolve("nope.ensemble").toString()), list(javaDouble())
                }));
        assertTrue(
                missing.getMessage().contains("cannot load the model")
                        && missing.getMessage().contains("not found"),
                missing.getMessage());
        Path text = Files.writeString(dir.resolve("not-a-model.ensemble"), "id\tf1\n");
        UDFArgumentException notModel = assertThrows(
                UDFArgumentException.class,
                () -> new EnsemblePredictUDF()
                        .initialize(new ObjectInspector[] {constString(text.toString()), list(javaDouble())}));
        assertTrue(notModel.getMessage().contains("not a Drafthorse ensemble model file"), notModel.getMessage());
    }

    /**
     * Issue 15's crafted model files fail the query at initialize, naming what is wrong: nested hash maps (the
     * "SerialDOS" shape kept ensemble_predict busy past 150 s) and a class name garbled with the checksum recomputed.
     */
    @Test
    void craftedModelFilesFailAtInitializeQuickly() throws Exception {
        byte[] model = Files.readAllBytes(trained.file());
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(model);
        int h = b.getInt(12);
        byte[] payload = java.util.Arrays.copyOfRange(model, 24 + h, 24 + h + (int) b.getLong(16 + h));
        java.util.Map<Object, Object> root = new java.util.HashMap<>();
        java.util.Map<Object, Object> x = root;
        java.util.Map<Object, Object> y = new java.util.HashMap<>();
        for (int i = 0; i < 60; i++) {
            java.util.Map<Object, Object> tx = new java.util.HashMap<>();
            java.util.Map<Object, Object> ty = new java.util.HashMap<>();
            tx.put("foo", "bar");
            x.put(tx, "x");
            x.put(ty, "x");
            y.put(tx, "x");
            y.put(ty, "x");
            x = tx;
            y = ty;
        }
        java.io.ByteArrayOutputStream dos = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream o = new java.io.ObjectOutputStream(dos)) {
            o.writeObject(root);
        }
        byte[] garbled = new String(payload, java.nio.charset.StandardCharsets.ISO_8859_1)
                .replace("smile.base.cart.OrdinalNode", "smile.base.cart.OrdinalNodf")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        java.util.Map<String, byte[]> files =
                java.util.Map.of("serialdos.ensemble", dos.toByteArray(), "garbled.ensemble", garbled);
        for (java.util.Map.Entry<String, byte[]> f : files.entrySet()) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            java.io.DataOutputStream d = new java.io.DataOutputStream(out);
            d.write(model, 0, 16 + h);
            d.writeLong(f.getValue().length);
            d.write(f.getValue());
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(model, 16, h);
            crc.update(f.getValue());
            d.writeInt((int) crc.getValue());
            Path file = Files.write(dir.resolve(f.getKey()), out.toByteArray());
            long t0 = System.nanoTime();
            UDFArgumentException e = assertThrows(
                    UDFArgumentException.class,
                    () -> new EnsemblePredictUDF()
                            .initialize(new ObjectInspector[] {constString(file.toString()), list(javaDouble())}));
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "refused within 5 s");
            assertTrue(
                    e.getMessage()
                            .contains(f.getKey() + ": payload refused: class "
                                    + (f.getKey().startsWith("serialdos")
                                            ? "java.util.HashMap"
                                            : "smile.base.cart.OrdinalNodf")
                                    + " is not allowed"),
                    e.getMessage());
        }
    }

    // ---- predictions -----------------------------------------------------------------------------------

    @Test
    void numericArgumentsEqualTheModelCalledDirectly() throws Exception {
        EnsemblePredictUDF u = udf(javaString(), javaDouble(), javaDouble(), javaDouble());
        EnsemblePredictUDF c = udf(constString(path), javaDouble(), javaDouble(), javaDouble());
        for (int i = 0; i < trained.table().size(); i++) {
            double[] x = trained.table().rows()[i];
            assertEquals(direct(i), eval(u, columns(path, x)), "row " + i);
            assertEquals(direct(i), eval(c, columns(new Text(path), x)), "row " + i);
        }
        // both labels occur, so the check is not of a constant model
        assertEquals(
                2,
                trained.table().ids().stream()
                        .map(id -> direct(trained.table().indexOf(id)).get(0))
                        .distinct()
                        .count());
    }

    @Test
    void arrayAndMapEqualTheModelCalledDirectly() throws Exception {
        EnsemblePredictUDF a = udf(constString(path), list(javaDouble()));
        EnsemblePredictUDF m = udf(
                writableString(), map(writableString(), PrimitiveObjectInspectorFactory.writableDoubleObjectInspector));
        for (int i = 0; i < trained.table().size(); i++) {
            double[] x = trained.table().rows()[i];
            assertEquals(direct(i), eval(a, path, Arrays.stream(x).boxed().toList()), "row " + i);
            Map<Text, DoubleWritable> features = new LinkedHashMap<>();
            features.put(new Text("unused"), new DoubleWritable(-1)); // keys the model does not use are ignored
            for (int j = 2; j >= 0; j--) {
                features.put(new Text(EnsembleFixture.FEATURES.get(j)), new DoubleWritable(x[j]));
            }
            assertEquals(direct(i), eval(m, new Text(path), features), "row " + i);
        }
    }

    @Test
    void integersAndDecimalsAreWidened() throws Exception {
        EnsemblePredictUDF u = udf(
                javaString(),
                javaInt(),
                javaDouble(),
                PrimitiveObjectInspectorFactory.writableHiveDecimalObjectInspector);
        double[] x = {1, 0.25, -1.5};
        Prediction p = trained.model().predict("x", x);
        assertEquals(
                List.of(p.label(), p.probability()),
                eval(u, path, 1, 0.25, new HiveDecimalWritable(HiveDecimal.create("-1.5"))));
    }

    @Test
    void nullsGiveNull() throws Exception {
        EnsemblePredictUDF u = udf(javaString(), javaDouble(), javaDouble(), javaDouble());
        assertNull(eval(u, null, 0.1, 0.2, 0.3));
        assertNull(eval(u, path, 0.1, null, 0.3));
        EnsemblePredictUDF a = udf(javaString(), list(javaDouble()));
        assertNull(eval(a, path, null));
        assertNull(eval(a, path, Arrays.asList(0.1, null, 0.3)));
        EnsemblePredictUDF m = udf(javaString(), map(javaString(), javaDouble()));
        assertNull(eval(m, path, null));
        Map<String, Double> withNull = new HashMap<>(Map.of("f1", 0.1, "f3", 0.3));
        withNull.put("f2", null);
        assertNull(eval(m, path, withNull));
    }

    @Test
    void nonFiniteFeaturesGiveNull() throws Exception {
        EnsemblePredictUDF u = udf(javaString(), javaDouble(), javaDouble(), javaDouble());
        assertNull(eval(u, path, 0.1, Double.NaN, 0.3));
        assertNull(eval(u, path, Double.POSITIVE_INFINITY, 0.2, 0.3));
        assertEquals(direct(0), eval(u, columns(path, trained.table().rows()[0])));
    }

    @Test
    void mapWithoutAFeatureFailsNamingIt() throws Exception {
        EnsemblePredictUDF m = udf(javaString(), map(javaString(), javaDouble()));
        HiveException e =
                assertThrows(HiveException.class, () -> eval(m, path, Map.of("f1", 0.1, "f3", 0.3, "f4", 1.0)));
        assertEquals(
                "ensemble_predict: the features map lacks feature 'f2' of the model '" + path
                        + "', which takes (f1, f2, f3)",
                e.getMessage());
        e = assertThrows(HiveException.class, () -> eval(m, path, Map.of("f2", 0.1)));
        assertTrue(e.getMessage().contains("lacks 2 features (f1, f3)"), e.getMessage());
    }

    @Test
    void runtimeCountMismatchesNameBothCounts() throws Exception {
        EnsemblePredictUDF a = udf(javaString(), list(javaDouble()));
        HiveException e = assertThrows(HiveException.class, () -> eval(a, path, List.of(0.1, 0.2)));
        assertEquals(
                "ensemble_predict: the model '" + path + "' takes 3 features (f1, f2, f3), the features array has 2"
                        + " elements",
                e.getMessage());
        EnsemblePredictUDF c = udf(javaString(), javaDouble(), javaDouble()); // path not constant: checked per row
        e = assertThrows(HiveException.class, () -> eval(c, path, 0.1, 0.2));
        assertTrue(e.getMessage().endsWith("takes 3 features (f1, f2, f3), got 2 feature arguments"), e.getMessage());
    }

    @Test
    void aMissingModelFailsTheRowNamingThePath() throws Exception {
        EnsemblePredictUDF u = udf(javaString(), list(javaDouble()));
        HiveException e = assertThrows(HiveException.class, () -> eval(u, "/no/such/model.ensemble", List.of(1.0)));
        assertTrue(
                e.getMessage().startsWith("ensemble_predict: cannot load the model '/no/such/model.ensemble': "),
                e.getMessage());
    }

    @Test
    void survivesKryoAfterInitializeAndAfterEvaluate() throws Exception {
        ObjectInspector[] args = {constString(path), list(javaDouble())};
        List<Double> x = Arrays.stream(trained.table().rows()[1]).boxed().toList();
        EnsemblePredictUDF u = udf(args);
        EnsemblePredictUDF copy = Udtfs.kryoCopy(u);
        copy.initialize(args);
        opened.add(copy);
        assertEquals(direct(1), eval(copy, path, x));
        EnsemblePredictUDF again = Udtfs.kryoCopy(copy);
        again.initialize(args);
        opened.add(again);
        assertEquals(direct(1), eval(again, path, x));
    }

    @Test
    void oneModelPerJvmHeldUntilCloseOrGarbageCollection() throws Exception {
        Path file = trained.file();
        int before = SharedCache.INSTANCE.refs("ensemble", file);
        EnsemblePredictUDF c = udf(constString(path), list(javaDouble())); // loads and checks, holds nothing
        assertEquals(before, SharedCache.INSTANCE.refs("ensemble", file));
        List<Double> x = Arrays.stream(trained.table().rows()[0]).boxed().toList();
        eval(c, path, x);
        EnsemblePredictUDF u = udf(javaString(), list(javaDouble()));
        eval(u, path, x);
        eval(u, path, x);
        assertEquals(before + 2, SharedCache.INSTANCE.refs("ensemble", file));
        try (SharedCache.Lease<?> a = EnsemblePredictUDF.ensemble(path, null);
                SharedCache.Lease<?> b = EnsemblePredictUDF.ensemble(path, null)) {
            assertTrue(a.get() == b.get(), "one model object per file and version");
        }
        c.close();
        c.close();
        assertEquals(before + 1, SharedCache.INSTANCE.refs("ensemble", file));
        opened.remove(u);
        u = null; // never closed, as in a fetch task: the Cleaner gives its lease back
        for (int i = 0; i < 100 && SharedCache.INSTANCE.refs("ensemble", file) > before; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(before, SharedCache.INSTANCE.refs("ensemble", file));
    }

    @Test
    void displayString() throws Exception {
        assertEquals(
                "ensemble_predict('m', a, b)",
                udf(javaString(), javaDouble()).getDisplayString(new String[] {"'m'", "a", "b"}));
    }

    @Test
    void outputIsAStructOfLabelAndProbability() throws Exception {
        EnsemblePredictUDF u = new EnsemblePredictUDF();
        ObjectInspector out = u.initialize(new ObjectInspector[] {javaString(), list(javaDouble())});
        opened.add(u);
        Object r = u.evaluate(new DeferredObject[] {
            new DeferredJavaObject(path),
            new DeferredJavaObject(
                    Arrays.stream(trained.table().rows()[2]).boxed().toList())
        });
        assertEquals(direct(2), ObjectInspectorUtils.copyToStandardJavaObject(r, out));
    }
}
