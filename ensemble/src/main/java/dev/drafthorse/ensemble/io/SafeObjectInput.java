package dev.drafthorse.ensemble.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.util.Set;

/**
 * Java deserialization behind an allow-list: a model file may come from a shared filesystem, and a
 * serialization stream can name any class on the class path, whose {@code readObject} then runs (the
 * "gadget chains" of ysoserial). The filter admits only the classes our models are made of, primitive
 * arrays, and a few JDK value classes, and bounds depth, references and array sizes. Anything else is
 * rejected before its class is initialized or its {@code readObject} runs.
 */
public final class SafeObjectInput {
    private SafeObjectInput() {}

    /** Our own model classes. */
    static final String OWN_PREFIX_LEARNER = "dev.drafthorse.ensemble.learner.";
    static final String OWN_PREFIX_METHOD = "dev.drafthorse.ensemble.method.";

    /** Exactly the Smile and JDK classes that the models of this module reference, found by serializing each kind. */
    static final Set<String> ALLOWED = Set.of(
            // JDK value classes
            "java.lang.String", "java.lang.Number", "java.lang.Integer", "java.lang.Long", "java.lang.Double",
            "java.lang.Float", "java.lang.Boolean", "java.lang.Enum",
            // Smile's IntSet keeps a HashMap of boxed ints; its keys and values are checked one by one
            "java.util.HashMap", "java.util.Map$Entry",
            // our enums held by models
            "dev.drafthorse.ensemble.EnsembleParams$Combine",
            // Smile models and what they hold
            "smile.classification.AbstractClassifier",
            "smile.classification.DecisionTree",
            "smile.classification.LogisticRegression",
            "smile.classification.LogisticRegression$Binomial",
            "smile.classification.LogisticRegression$Multinomial",
            "smile.classification.GradientTreeBoost",
            "smile.classification.AdaBoost",
            "smile.regression.RegressionTree",
            "smile.base.cart.CART",
            "smile.base.cart.Node",
            "smile.base.cart.LeafNode",
            "smile.base.cart.DecisionNode",
            "smile.base.cart.RegressionNode",
            "smile.base.cart.InternalNode",
            "smile.base.cart.OrdinalNode",
            "smile.base.cart.NominalNode",
            "smile.base.cart.SplitRule",
            "smile.base.cart.Loss",
            "smile.base.cart.Loss$Type",
            "smile.data.type.StructType",
            "smile.data.type.StructField",
            "smile.data.type.DataType",
            "smile.data.type.DataType$ID",
            "smile.data.type.PrimitiveType",
            "smile.data.type.DoubleType",
            "smile.data.type.IntegerType",
            "smile.data.formula.Formula",
            "smile.data.formula.Term",
            "smile.data.formula.AbstractTerm",
            "smile.data.formula.Variable",
            "smile.data.formula.Dot",
            "smile.util.IntSet");

    /** Whether {@code name} (a non-array class) may be deserialized. */
    public static boolean allowed(String name) {
        return name.startsWith(OWN_PREFIX_LEARNER) || name.startsWith(OWN_PREFIX_METHOD) || ALLOWED.contains(name);
    }

    /**
     * The filter: limits first, then the class (arrays by their element class). It remembers what it refused,
     * so the error can name the class.
     */
    public static final class Filter implements ObjectInputFilter {
        private String refused;

        @Override
        public Status checkInput(FilterInfo info) {
            if (info.depth() > 500 || info.references() > 50_000_000L || info.arrayLength() > 200_000_000L
                    || info.streamBytes() > ModelFile.MAX_PAYLOAD) {
                refused = "limits (depth " + info.depth() + ", references " + info.references() + ", array length "
                        + info.arrayLength() + ", bytes " + info.streamBytes() + ")";
                return Status.REJECTED;
            }
            Class<?> c = info.serialClass();
            if (c == null) return Status.ALLOWED;
            while (c.isArray()) c = c.getComponentType();
            if (c.isPrimitive() || allowed(c.getName())) return Status.ALLOWED;
            refused = "class " + info.serialClass().getName();
            return Status.REJECTED;
        }

        /** What was refused, or {@code null}. */
        public String refused() {
            return refused;
        }
    }

    /** An object stream over {@code in} with {@code filter} installed. */
    public static ObjectInputStream open(InputStream in, Filter filter) throws IOException {
        ObjectInputStream ois = new ObjectInputStream(in);
        ois.setObjectInputFilter(filter);
        return ois;
    }

    /**
     * Like {@link #open}, and every shared immutable value is resolved to the instance training code refers to:
     * small boxed numbers to {@code Integer.valueOf} and the like, Smile's data types to the singletons of
     * {@code smile.data.type.DataTypes}, the response column name {@code y} to the literal. Java serialization writes a second reference to an object as a
     * back-reference, so classifiers trained in one JVM and serialized together share those instances, while
     * classifiers deserialized one stream each (members trained in separate tasks) would not, and their joint
     * serialization would differ in bytes (not in predictions). Reading each through this stream makes the
     * joint serialization byte-identical to the one of the classifiers trained in one place.
     */
    public static ObjectInputStream openCanonical(InputStream in, Filter filter) throws IOException {
        ObjectInputStream ois = new Canonical(in);
        ois.setObjectInputFilter(filter);
        return ois;
    }

    private static final java.util.List<Object> SMILE_TYPES = smileTypes();

    private static java.util.List<Object> smileTypes() {
        java.util.List<Object> out = new java.util.ArrayList<>();
        for (java.lang.reflect.Field f : smile.data.type.DataTypes.class.getFields()) {
            if (java.lang.reflect.Modifier.isStatic(f.getModifiers()) && smile.data.type.DataType.class.isAssignableFrom(f.getType())) {
                try {
                    Object v = f.get(null);
                    if (v != null) out.add(v);
                } catch (IllegalAccessException e) {
                    // not a public constant
                }
            }
        }
        return java.util.List.copyOf(out);
    }

    private static final class Canonical extends ObjectInputStream {
        Canonical(InputStream in) throws IOException {
            super(in);
            enableResolveObject(true);
        }

        @Override
        protected Object resolveObject(Object o) {
            if (o instanceof Integer i) return Integer.valueOf(i);
            if (o instanceof Long l) return Long.valueOf(l);
            if (o instanceof Short s) return Short.valueOf(s);
            if (o instanceof Byte b) return Byte.valueOf(b);
            if (o instanceof Character c) return Character.valueOf(c);
            if (o instanceof Boolean b) return Boolean.valueOf(b);
            // the response column's name, a literal of the learner code (the feature names x0... are built per tree)
            if ("y".equals(o)) return "y";
            if (o instanceof smile.data.type.DataType) {
                for (Object t : SMILE_TYPES) {
                    if (t.getClass() == o.getClass() && t.equals(o)) return t;
                }
            }
            return o;
        }
    }
}
