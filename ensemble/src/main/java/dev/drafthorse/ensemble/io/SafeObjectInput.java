package dev.drafthorse.ensemble.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.ObjectStreamField;
import java.io.OutputStream;
import java.util.Set;

/**
 * Java deserialization behind an allow-list, in time and memory bounded by the stream's size. A model file
 * may come from a shared filesystem, and a serialization stream can name any class on the class path, whose
 * {@code readObject} then runs (the "gadget chains" of ysoserial), declare arrays far longer than the stream
 * (allocated before a byte of them is read), or nest hash-based collections whose keys are collections (the
 * "SerialDOS" shape: hashing them on deserialization takes time exponential in the depth). Hence:
 *
 * <ul>
 * <li>only the classes our models are made of, primitive arrays, and a few JDK value classes are admitted; no
 *     collection class at all. Smile's {@code IntSet} and {@code StructType} each keep a {@code HashMap}, so the
 *     streams of {@link #output} write them in a {@linkplain SerialForms form} of their own (the values, the
 *     fields) and the streams of {@link #open} rebuild them through their public constructors;
 * <li>every class in the stream must have exactly the serializable fields of the class on the class path (names
 *     and types): a stream naming a field the class lacks would otherwise leave the class's own field null,
 *     to fail later in a task;
 * <li>limits from the stream's size ({@link Filter#Filter(long)}): an array of n elements must fit in the bytes
 *     that remain (n times the element size for primitive arrays, at least one byte per element otherwise),
 *     no more references than bytes, nesting at most {@value #MAX_DEPTH} deep.
 * </ul>
 * Anything else is rejected before its class is initialized or its {@code readObject} runs.
 */
public final class SafeObjectInput {
    private SafeObjectInput() {}

    /** Object nesting allowed: a tree node nests one level per tree level, ensemble.*.max_depth is at most 1000. */
    static final int MAX_DEPTH = 1100;

    /** Our own model classes. */
    static final String OWN_PREFIX_LEARNER = "dev.drafthorse.ensemble.learner.";

    static final String OWN_PREFIX_METHOD = "dev.drafthorse.ensemble.method.";

    /** Exactly the Smile and JDK classes that the models of this module reference, found by serializing each kind. */
    static final Set<String> ALLOWED = Set.of(
            // JDK value classes
            "java.lang.String",
            "java.lang.Number",
            "java.lang.Integer",
            "java.lang.Long",
            "java.lang.Double",
            "java.lang.Float",
            "java.lang.Boolean",
            "java.lang.Enum",
            // the forms of Smile's classes that keep a HashMap
            SerialForms.IntSetForm.class.getName(),
            SerialForms.StructTypeForm.class.getName(),
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
            "smile.data.formula.Dot");

    /** Whether {@code name} (a non-array class) may be deserialized. */
    public static boolean allowed(String name) {
        return name.startsWith(OWN_PREFIX_LEARNER) || name.startsWith(OWN_PREFIX_METHOD) || ALLOWED.contains(name);
    }

    /**
     * The filter: limits first, then the class (arrays by their element class). It remembers what it refused,
     * so the error can name the class.
     */
    public static final class Filter implements ObjectInputFilter {
        private final long size;
        private String refused;

        /** @param size the stream's length in bytes: arrays, references and bytes read are bounded by it */
        public Filter(long size) {
            if (size < 0) {
                throw new IllegalArgumentException("stream size " + size);
            }
            this.size = size;
        }

        @Override
        public Status checkInput(FilterInfo info) {
            if (info.depth() > MAX_DEPTH || info.references() > size || info.streamBytes() > size) {
                refused = "limits (depth " + info.depth() + " of at most " + MAX_DEPTH + ", references "
                        + info.references() + " and bytes " + info.streamBytes() + " of at most " + size + ")";
                return Status.REJECTED;
            }
            Class<?> c = info.serialClass();
            if (c == null) {
                return Status.ALLOWED;
            }
            if (c.isArray() && info.arrayLength() >= 0) {
                Class<?> e = c.getComponentType();
                long each = e == long.class || e == double.class
                        ? 8
                        : e == int.class || e == float.class ? 4 : e == char.class || e == short.class ? 2 : 1;
                long remaining = Math.max(0, size - info.streamBytes());
                if (info.arrayLength() > remaining / each) {
                    refused = "array " + c.getTypeName().replace("[]", "[" + info.arrayLength() + "]")
                            + " (needs at least " + info.arrayLength() * each + " bytes; " + remaining
                            + " remain in the stream)";
                    return Status.REJECTED;
                }
            }
            while (c.isArray()) {
                c = c.getComponentType();
            }
            // IntSet and StructType reach the filter only as what a serial form rebuilt (resolveClass refuses them in
            // the stream)
            if (c.isPrimitive()
                    || allowed(c.getName())
                    || c == smile.util.IntSet.class
                    || c == smile.data.type.StructType.class) {
                return Status.ALLOWED;
            }
            refused = "class " + info.serialClass().getName();
            return Status.REJECTED;
        }

        /** What was refused, or {@code null}. */
        public String refused() {
            return refused;
        }

        void refuse(String what) {
            refused = what;
        }
    }

    /**
     * An object stream over {@code in} with {@code filter} installed; it rebuilds Smile's classes from the forms
     * {@link #output} writes.
     */
    public static ObjectInputStream open(InputStream in, Filter filter) throws IOException {
        ObjectInputStream ois = new Checked(in, filter);
        ois.setObjectInputFilter(filter);
        return ois;
    }

    /**
     * The stream to serialize models with: Smile's classes that keep a {@code HashMap} are written in their
     * {@link SerialForms}, which {@link #open} reads back (and a plain stream's output is refused by it).
     */
    public static ObjectOutputStream output(OutputStream out) throws IOException {
        return new SerialForms.Output(out);
    }

    /**
     * Like {@link #open}, and every shared immutable value is resolved to the instance training code refers to:
     * small boxed numbers to {@code Integer.valueOf} and the like, Smile's data types to the singletons of
     * {@code smile.data.type.DataTypes}, the response column name {@code y} to the literal. Java serialization
     * writes a second reference to an object as a
     * back-reference, so classifiers trained in one JVM and serialized together share those instances, while
     * classifiers deserialized one stream each (members trained in separate tasks) would not, and their joint
     * serialization would differ in bytes (not in predictions). Reading each through this stream makes the
     * joint serialization byte-identical to the one of the classifiers trained in one place.
     */
    public static ObjectInputStream openCanonical(InputStream in, Filter filter) throws IOException {
        ObjectInputStream ois = new Canonical(in, filter);
        ois.setObjectInputFilter(filter);
        return ois;
    }

    private static final java.util.List<Object> SMILE_TYPES = smileTypes();

    private static java.util.List<Object> smileTypes() {
        java.util.List<Object> out = new java.util.ArrayList<>();
        for (java.lang.reflect.Field f : smile.data.type.DataTypes.class.getFields()) {
            if (java.lang.reflect.Modifier.isStatic(f.getModifiers())
                    && smile.data.type.DataType.class.isAssignableFrom(f.getType())) {
                try {
                    Object v = f.get(null);
                    if (v != null) {
                        out.add(v);
                    }
                } catch (IllegalAccessException e) {
                    // not a public constant
                }
            }
        }
        return java.util.List.copyOf(out);
    }

    /**
     * Refuses a class that is not allowed before loading it, and a stream class whose fields differ from the
     * local class's; rebuilds Smile's classes from their serial forms.
     */
    private static class Checked extends ObjectInputStream {
        private final Filter filter;

        Checked(InputStream in, Filter filter) throws IOException {
            super(in);
            this.filter = filter;
            enableResolveObject(true);
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            String name = desc.getName();
            String element = name;
            while (element.startsWith("[")) {
                element = element.substring(1);
            }
            if (element.startsWith("L") && element.endsWith(";")) {
                element = element.substring(1, element.length() - 1);
            }
            boolean primitiveArray = name.startsWith("[") && element.length() == 1;
            if (!primitiveArray && !allowed(element)) {
                filter.refuse("class " + name);
                throw new InvalidClassException(name, "not allowed");
            }
            Class<?> c = super.resolveClass(desc);
            if (!c.isArray()) {
                ObjectStreamClass local = ObjectStreamClass.lookup(c);
                String stream = fields(desc);
                String here = local == null ? "(not serializable)" : fields(local);
                if (!stream.equals(here)) {
                    filter.refuse(
                            "class " + name + " with fields " + stream + " (this build's class has " + here + ")");
                    throw new InvalidClassException(name, "fields differ");
                }
            }
            return c;
        }

        private static String fields(ObjectStreamClass d) {
            StringBuilder b = new StringBuilder("[");
            for (ObjectStreamField f : d.getFields()) {
                if (b.length() > 1) {
                    b.append(", ");
                }
                b.append(f.isPrimitive() ? String.valueOf(f.getTypeCode()) : f.getTypeString())
                        .append(' ')
                        .append(f.getName());
            }
            return b.append(']').toString();
        }

        @Override
        protected Object resolveObject(Object o) {
            return o instanceof SerialForms.Form f ? f.rebuild() : o;
        }
    }

    private static final class Canonical extends Checked {
        Canonical(InputStream in, Filter filter) throws IOException {
            super(in, filter);
        }

        @Override
        protected Object resolveObject(Object o) {
            o = super.resolveObject(o);
            if (o instanceof Integer i) {
                return Integer.valueOf(i);
            }
            if (o instanceof Long l) {
                return Long.valueOf(l);
            }
            if (o instanceof Short s) {
                return Short.valueOf(s);
            }
            if (o instanceof Byte b) {
                return Byte.valueOf(b);
            }
            if (o instanceof Character c) {
                return Character.valueOf(c);
            }
            if (o instanceof Boolean b) {
                return Boolean.valueOf(b);
            }
            // the response column's name, a literal of the learner code (the feature names x0... are built per tree)
            if ("y".equals(o)) {
                return "y";
            }
            if (o instanceof smile.data.type.DataType) {
                for (Object t : SMILE_TYPES) {
                    if (t.getClass() == o.getClass() && t.equals(o)) {
                        return t;
                    }
                }
            }
            return o;
        }
    }
}
