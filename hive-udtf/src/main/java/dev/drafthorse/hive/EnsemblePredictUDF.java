package dev.drafthorse.hive;

import dev.drafthorse.ensemble.EnsembleModel;
import dev.drafthorse.ensemble.Prediction;
import dev.drafthorse.ensemble.io.ModelFile;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Cleaner;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.ql.exec.Description;
import org.apache.hadoop.hive.ql.exec.MapredContext;
import org.apache.hadoop.hive.ql.exec.UDFArgumentException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentLengthException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentTypeException;
import org.apache.hadoop.hive.ql.metadata.HiveException;
import org.apache.hadoop.hive.ql.udf.generic.GenericUDF;
import org.apache.hadoop.hive.serde2.io.DoubleWritable;
import org.apache.hadoop.hive.serde2.objectinspector.ListObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.MapObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector.Category;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspectorFactory;
import org.apache.hadoop.hive.serde2.objectinspector.PrimitiveObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorFactory;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorUtils;
import org.apache.hadoop.io.Text;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ensemble_predict(model_path, features...)}: the prediction of an ensemble model file (written by
 * {@code ensemble-train}) for one row, as {@code STRUCT<label STRING, probability DOUBLE>}: the most
 * probable label and its posterior probability, the same pair {@code ensemble-predict} writes.
 *
 * <p>Features come in one of three forms: N numeric arguments in the order of the model's feature names
 * (its header), one {@code ARRAY<DOUBLE>} in that order, or one {@code MAP<STRING,DOUBLE>} keyed by feature
 * name (keys the model does not use are ignored; a feature the model needs and the map lacks fails the
 * query, naming the feature). Any numeric type is accepted and widened to DOUBLE.
 *
 * <p>The model is read once per JVM through the {@link SharedCache} (keyed by the local file, its
 * modification time and size) from any path the other functions accept ({@link ModelFiles}). When the
 * path is a constant, {@code initialize} loads the model, so that a missing or refused file and a wrong
 * number of feature arguments fail the query when it is compiled. An instance holds its models until
 * {@link #close()}, which Hive calls in tasks (through {@link MapredContext}) but not in a fetch task on
 * the client or HiveServer2; there the models are given back when the instance is garbage-collected (a
 * {@link Cleaner}), so a long-lived server does not keep every model it ever used.
 *
 * <p>A NULL model path, a NULL features array or map, or a NULL among the features the model uses gives a
 * NULL result. A NaN or infinite feature is bad data (training refuses it too): the result is NULL and the
 * first such row is logged.
 */
@Description(
        name = "ensemble_predict",
        value = "_FUNC_(STRING model_path, DOUBLE f1, ..., DOUBLE fN | ARRAY<DOUBLE> features"
                + " | MAP<STRING, DOUBLE> features) - STRUCT<label STRING, probability DOUBLE>: the ensemble model's"
                + " most probable label for the row and its probability",
        extended = "Numeric arguments and arrays are in the order of the model's feature names (its header, as"
                + " ensemble-train printed it); a map is keyed by feature name, extra keys are ignored and a missing"
                + " feature is an error naming it. The model is read once per JVM; model_path is a local path, a"
                + " file:// or other Hadoop URI, or the name of a file added with ADD FILE. A NULL model_path or"
                + " feature gives NULL; a NaN or infinite feature gives NULL and is logged.\n"
                + "Example:\n"
                + "  > SELECT id, _FUNC_('hdfs:///models/judge.model', llama_prob, qwen_prob) FROM outputs;\n"
                + "  r1\t{\"label\":\"positive\",\"probability\":0.83}\n"
                + "  > SELECT id, p.label, p.probability FROM (SELECT id, _FUNC_('judge.model',\n"
                + "  >     map('llama.prob', llama_prob, 'qwen.prob', qwen_prob)) AS p FROM outputs) t;\n"
                + "  r1\tpositive\t0.83")
public final class EnsemblePredictUDF extends GenericUDF {
    static final String NAME = "ensemble_predict";
    static final String SIGNATURE =
            NAME + "(model_path STRING, features DOUBLE... | ARRAY<DOUBLE> | MAP<STRING,DOUBLE>)";
    private static final Logger LOG = LoggerFactory.getLogger(EnsemblePredictUDF.class);
    /** Feature names listed in a message, at most: models built from many sources have hundreds. */
    private static final int NAMES_SHOWN = 10;

    private static final Cleaner CLEANER = Cleaner.create();

    private enum Form {
        COLUMNS,
        ARRAY,
        MAP
    }

    /** A loaded model with what evaluation needs per row. */
    private static final class Bound {
        final EnsembleModel model;
        final Map<String, Integer> column; // feature name -> position, for the map form
        final double[] x; // (p) the row, reused
        final boolean[] seen; // (p) map form: which features the row's map had

        Bound(EnsembleModel model) {
            this.model = model;
            List<String> names = model.featureNames();
            column = new HashMap<>(names.size() * 2);
            for (int j = 0; j < names.size(); j++) {
                column.put(names.get(j), j);
            }
            x = new double[names.size()];
            seen = new boolean[names.size()];
        }
    }

    private transient Form form;
    private transient PrimitiveObjectInspector pathOI;
    private transient String constantPath;
    private transient PrimitiveObjectInspector[] columnOIs; // COLUMNS: one per feature argument
    private transient ListObjectInspector listOI;
    private transient PrimitiveObjectInspector elementOI;
    private transient MapObjectInspector mapOI;
    private transient PrimitiveObjectInspector keyOI;
    private transient PrimitiveObjectInspector valueOI;
    private transient Configuration conf;
    private transient Engines.Leases<EnsembleModel> models;
    private transient Cleaner.Cleanable release; // gives back the leases of models, at close or after GC
    private transient Map<String, Bound> bound;
    private transient Object[] result;
    private transient Text label;
    private transient DoubleWritable probability;
    private transient long nonFinite;

    @Override
    public void configure(MapredContext context) {
        conf = context.getJobConf();
    }

    @Override
    public ObjectInspector initialize(ObjectInspector[] args) throws UDFArgumentException {
        Arguments.atLeast(NAME, SIGNATURE, args, 2);
        pathOI = Arguments.string(NAME, args, 0, "model_path");
        if (args.length == 2 && args[1].getCategory() == Category.LIST) {
            listOI = (ListObjectInspector) args[1];
            if (!Arguments.isNumber(listOI.getListElementObjectInspector())) {
                throw new UDFArgumentTypeException(
                        1, NAME + ": argument 2 (features) must be ARRAY<DOUBLE>, got " + args[1].getTypeName());
            }
            elementOI = (PrimitiveObjectInspector) listOI.getListElementObjectInspector();
            form = Form.ARRAY;
        } else if (args.length == 2 && args[1].getCategory() == Category.MAP) {
            mapOI = (MapObjectInspector) args[1];
            if (!Arguments.isString(mapOI.getMapKeyObjectInspector())
                    || !Arguments.isNumber(mapOI.getMapValueObjectInspector())) {
                throw new UDFArgumentTypeException(
                        1, NAME + ": argument 2 (features) must be MAP<STRING,DOUBLE>, got " + args[1].getTypeName());
            }
            keyOI = (PrimitiveObjectInspector) mapOI.getMapKeyObjectInspector();
            valueOI = (PrimitiveObjectInspector) mapOI.getMapValueObjectInspector();
            form = Form.MAP;
        } else {
            columnOIs = new PrimitiveObjectInspector[args.length - 1];
            for (int i = 1; i < args.length; i++) {
                if (!Arguments.isNumber(args[i])) {
                    String allowed = args.length == 2
                            ? "a number, ARRAY<DOUBLE> or MAP<STRING,DOUBLE>"
                            : "a number (an array or map of features must be the only feature argument)";
                    throw new UDFArgumentTypeException(
                            i,
                            NAME + ": argument " + (i + 1) + " (feature " + i + ") must be " + allowed + ", got "
                                    + args[i].getTypeName());
                }
                columnOIs[i - 1] = (PrimitiveObjectInspector) args[i];
            }
            form = Form.COLUMNS;
        }
        constantPath = Arguments.constantString(args[0]);
        if (constantPath != null) {
            if (constantPath.isEmpty()) {
                throw new UDFArgumentTypeException(0, NAME + ": model_path is empty");
            }
            checkConstantModel(constantPath);
        }
        if (release != null) {
            release.clean();
        }
        Engines.Leases<EnsembleModel> leases = new Engines.Leases<>(EnsemblePredictUDF::ensemble);
        models = leases;
        release = CLEANER.register(this, leases::closeAll); // must not capture this
        bound = new HashMap<>();
        label = new Text();
        probability = new DoubleWritable();
        result = new Object[] {label, probability};
        nonFinite = 0;
        return ObjectInspectorFactory.getStandardStructObjectInspector(
                List.of("label", "probability"),
                List.of(
                        PrimitiveObjectInspectorFactory.writableStringObjectInspector,
                        PrimitiveObjectInspectorFactory.writableDoubleObjectInspector));
    }

    /**
     * Loads the model of a constant path now, so that the query fails at compile time on a bad file or a
     * wrong count of feature arguments. The lease is given back at once: this instance may be the planner's,
     * which Hive never closes; the cache keeps the model for the tasks that follow.
     */
    private void checkConstantModel(String path) throws UDFArgumentException {
        try (SharedCache.Lease<EnsembleModel> lease = ensemble(path, Engines.conf(conf))) {
            EnsembleModel m = lease.get();
            if (form == Form.COLUMNS && columnOIs.length != m.featureNames().size()) {
                throw new UDFArgumentLengthException(NAME + ": the model '" + path + "' takes "
                        + m.featureNames().size() + " features " + names(m.featureNames()) + ", got " + columnOIs.length
                        + " feature arguments");
            }
        } catch (IOException e) {
            UDFArgumentException u =
                    new UDFArgumentException(NAME + ": cannot load the model '" + path + "': " + e.getMessage());
            u.initCause(e);
            throw u;
        }
    }

    @Override
    public Object evaluate(DeferredObject[] args) throws HiveException {
        Object p = args[0].get();
        if (p == null) {
            return null;
        }
        String path = constantPath != null ? constantPath : PrimitiveObjectInspectorUtils.getString(p, pathOI);
        Bound b = bind(path);
        boolean complete = switch (form) {
            case COLUMNS -> fillColumns(args, b, path);
            case ARRAY -> fillArray(args[1].get(), b, path);
            case MAP -> fillMap(args[1].get(), b, path);
        };
        if (!complete) {
            return null;
        }
        for (int j = 0; j < b.x.length; j++) {
            if (!Double.isFinite(b.x[j])) {
                if (nonFinite++ == 0) {
                    LOG.warn(
                            "{}: feature '{}' is {}; the row's result is NULL (logged once)",
                            NAME,
                            b.model.featureNames().get(j),
                            b.x[j]);
                }
                return null;
            }
        }
        Prediction pr = b.model.predict(NAME, b.x);
        label.set(pr.label());
        probability.set(pr.probability());
        return result;
    }

    private Bound bind(String path) throws HiveException {
        Bound b = bound.get(path);
        if (b == null) {
            try {
                b = new Bound(models.get(path, Engines.conf(conf)));
            } catch (IOException e) {
                throw new HiveException(NAME + ": cannot load the model '" + path + "': " + e.getMessage(), e);
            }
            bound.put(path, b);
        }
        return b;
    }

    private boolean fillColumns(DeferredObject[] args, Bound b, String path) throws HiveException {
        if (columnOIs.length != b.x.length) { // a path that is not constant, so not checked in initialize
            throw new HiveException(NAME + ": the model '" + path + "' takes " + b.x.length + " features "
                    + names(b.model.featureNames()) + ", got " + columnOIs.length + " feature arguments");
        }
        for (int j = 0; j < columnOIs.length; j++) {
            Object v = args[j + 1].get();
            if (v == null) {
                return false;
            }
            b.x[j] = PrimitiveObjectInspectorUtils.getDouble(v, columnOIs[j]);
        }
        return true;
    }

    private boolean fillArray(Object array, Bound b, String path) throws HiveException {
        if (array == null) {
            return false;
        }
        int n = listOI.getListLength(array);
        if (n != b.x.length) {
            throw new HiveException(NAME + ": the model '" + path + "' takes " + b.x.length + " features "
                    + names(b.model.featureNames()) + ", the features array has " + n + " elements");
        }
        for (int j = 0; j < n; j++) {
            Object v = listOI.getListElement(array, j);
            if (v == null) {
                return false;
            }
            b.x[j] = PrimitiveObjectInspectorUtils.getDouble(v, elementOI);
        }
        return true;
    }

    private boolean fillMap(Object map, Bound b, String path) throws HiveException {
        Map<?, ?> m = map == null ? null : mapOI.getMap(map);
        if (m == null) {
            return false;
        }
        Arrays.fill(b.seen, false);
        boolean anyNull = false;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (e.getKey() == null) {
                continue;
            }
            Integer j = b.column.get(PrimitiveObjectInspectorUtils.getString(e.getKey(), keyOI));
            if (j == null) {
                continue; // a key the model does not use
            }
            b.seen[j] = true;
            if (e.getValue() == null) {
                anyNull = true;
            } else {
                b.x[j] = PrimitiveObjectInspectorUtils.getDouble(e.getValue(), valueOI);
            }
        }
        List<String> missing = new ArrayList<>();
        for (int j = 0; j < b.seen.length; j++) {
            if (!b.seen[j]) {
                missing.add(b.model.featureNames().get(j));
            }
        }
        if (!missing.isEmpty()) {
            throw new HiveException(NAME + ": the features map lacks "
                    + (missing.size() == 1
                            ? "feature '" + missing.get(0) + "'"
                            : missing.size() + " features " + names(missing))
                    + " of the model '" + path
                    + "', which takes " + names(b.model.featureNames()));
        }
        return !anyNull;
    }

    /** {@code (a, b, c)}, or the first {@value #NAMES_SHOWN} and a count of the rest. */
    private static String names(List<String> names) {
        if (names.size() <= NAMES_SHOWN) {
            return "(" + String.join(", ", names) + ")";
        }
        return "(" + String.join(", ", names.subList(0, NAMES_SHOWN)) + ", ... " + (names.size() - NAMES_SHOWN)
                + " more)";
    }

    @Override
    public String getDisplayString(String[] children) {
        return getStandardDisplayString(NAME, children);
    }

    @Override
    public void close() {
        if (nonFinite > 1) {
            LOG.warn("{}: {} rows with a NaN or infinite feature gave NULL", NAME, nonFinite);
        }
        if (release != null) {
            release.clean(); // runs models.closeAll() once
        }
        if (bound != null) {
            bound.clear();
        }
    }

    @Override
    public String toString() {
        return NAME;
    }

    /** An ensemble model file (header checked, payload deserialized behind the ensemble module's allow-list). */
    static SharedCache.Lease<EnsembleModel> ensemble(String spec, Configuration conf) throws IOException {
        return SharedCache.INSTANCE.acquire("ensemble", ModelFiles.localize(spec, conf), file -> {
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
                return ModelFile.read(in, spec);
            }
        });
    }
}
