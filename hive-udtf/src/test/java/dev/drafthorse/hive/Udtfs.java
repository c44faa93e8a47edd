package dev.drafthorse.hive;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.hive.ql.exec.SerializationUtilities;
import org.apache.hadoop.hive.ql.metadata.HiveException;
import org.apache.hadoop.hive.ql.udf.generic.GenericUDF;
import org.apache.hadoop.hive.ql.udf.generic.GenericUDTF;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspectorFactory;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspectorUtils;
import org.apache.hadoop.hive.serde2.objectinspector.PrimitiveObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.StructField;
import org.apache.hadoop.hive.serde2.objectinspector.StructObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorFactory;
import org.apache.hadoop.hive.serde2.typeinfo.TypeInfoFactory;
import org.apache.hadoop.io.IntWritable;
import org.apache.hadoop.io.Text;
import org.apache.hive.com.esotericsoftware.kryo.kryo5.Kryo;
import org.apache.hive.com.esotericsoftware.kryo.kryo5.io.Input;
import org.apache.hive.com.esotericsoftware.kryo.kryo5.io.Output;

/** Drives a UDTF as Hive does, without a session: initialize, process rows, close, collecting copies. */
final class Udtfs {
    private Udtfs() {}

    /** A UDTF after {@code initialize}, with a collector that copies each row (the UDTF reuses its objects). */
    static final class Run {
        final GenericUDTF udtf;
        final StructObjectInspector outputOI;
        final List<List<Object>> rows = new ArrayList<>();

        Run(GenericUDTF udtf, ObjectInspector... args) throws HiveException {
            this.udtf = udtf;
            this.outputOI = udtf.initialize(args);
            udtf.setCollector(row -> rows.add(copy(row)));
        }

        /** Processes one input row; returns the rows it produced. */
        List<List<Object>> process(Object... args) throws HiveException {
            int before = rows.size();
            udtf.process(args);
            return new ArrayList<>(rows.subList(before, rows.size()));
        }

        void close() throws HiveException {
            udtf.close();
        }

        List<String> columnNames() {
            return outputOI.getAllStructFieldRefs().stream()
                    .map(StructField::getFieldName)
                    .toList();
        }

        List<String> columnTypes() {
            return outputOI.getAllStructFieldRefs().stream()
                    .map(f -> f.getFieldObjectInspector().getTypeName())
                    .toList();
        }

        @SuppressWarnings("unchecked")
        private List<Object> copy(Object row) {
            return (List<Object>) ObjectInspectorUtils.copyToStandardJavaObject(row, outputOI);
        }
    }

    /**
     * Serializes with Hive's own Kryo, as a query plan carries a UDTF to its tasks, and reads it back. The
     * collector is the operator's, set at run time and never part of a plan, so it is left out.
     */
    @SuppressWarnings("unchecked")
    static <T extends GenericUDTF> T kryoCopy(T udtf) {
        Kryo kryo = SerializationUtilities.borrowKryo();
        udtf.setCollector(null);
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (Output out = new Output(bytes)) {
                kryo.writeClassAndObject(out, udtf);
            }
            try (Input in = new Input(bytes.toByteArray())) {
                return (T) kryo.readClassAndObject(in);
            }
        } finally {
            SerializationUtilities.releaseKryo(kryo);
        }
    }

    /** {@link #kryoCopy(GenericUDTF)} for a GenericUDF, which a plan carries inside its expressions. */
    @SuppressWarnings("unchecked")
    static <T extends GenericUDF> T kryoCopy(T udf) {
        Kryo kryo = SerializationUtilities.borrowKryo();
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (Output out = new Output(bytes)) {
                kryo.writeClassAndObject(out, udf);
            }
            try (Input in = new Input(bytes.toByteArray())) {
                return (T) kryo.readClassAndObject(in);
            }
        } finally {
            SerializationUtilities.releaseKryo(kryo);
        }
    }

    // Inspectors of the three kinds Hive hands to functions.

    static ObjectInspector javaString() {
        return PrimitiveObjectInspectorFactory.javaStringObjectInspector;
    }

    static ObjectInspector writableString() {
        return PrimitiveObjectInspectorFactory.writableStringObjectInspector;
    }

    static ObjectInspector constString(String s) {
        return PrimitiveObjectInspectorFactory.getPrimitiveWritableConstantObjectInspector(
                TypeInfoFactory.stringTypeInfo, s == null ? null : new Text(s));
    }

    static ObjectInspector constInt(int v) {
        return PrimitiveObjectInspectorFactory.getPrimitiveWritableConstantObjectInspector(
                TypeInfoFactory.intTypeInfo, new IntWritable(v));
    }

    static ObjectInspector javaInt() {
        return PrimitiveObjectInspectorFactory.javaIntObjectInspector;
    }

    static ObjectInspector writableInt() {
        return PrimitiveObjectInspectorFactory.writableIntObjectInspector;
    }

    static ObjectInspector javaDouble() {
        return PrimitiveObjectInspectorFactory.javaDoubleObjectInspector;
    }

    static ObjectInspector list(ObjectInspector element) {
        return ObjectInspectorFactory.getStandardListObjectInspector(element);
    }

    static ObjectInspector constStringList(String... items) {
        List<Text> values = new ArrayList<>();
        for (String s : items) {
            values.add(s == null ? null : new Text(s));
        }
        return ObjectInspectorFactory.getStandardConstantListObjectInspector(
                PrimitiveObjectInspectorFactory.writableStringObjectInspector, values);
    }

    static ObjectInspector map(ObjectInspector key, ObjectInspector value) {
        return ObjectInspectorFactory.getStandardMapObjectInspector(key, value);
    }

    static ObjectInspector constStringMap(String... kv) {
        java.util.Map<Text, Text> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(new Text(kv[i]), new Text(kv[i + 1]));
        }
        return ObjectInspectorFactory.getStandardConstantMapObjectInspector(
                PrimitiveObjectInspectorFactory.writableStringObjectInspector,
                PrimitiveObjectInspectorFactory.writableStringObjectInspector,
                m);
    }

    static ObjectInspector struct(List<String> names, List<ObjectInspector> types) {
        return ObjectInspectorFactory.getStandardStructObjectInspector(names, types);
    }

    static boolean isPrimitive(ObjectInspector oi) {
        return oi instanceof PrimitiveObjectInspector;
    }
}
