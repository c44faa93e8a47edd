package dev.drafthorse.ensemble.io;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import smile.data.type.StructField;
import smile.data.type.StructType;
import smile.util.IntSet;

/**
 * How the model file writes the two Smile classes that keep a {@code HashMap}: {@link IntSet} (the class codes
 * a classifier saw, with a value-to-index map) and {@link StructType} (a schema, with a name-to-index map). The
 * map is derived data, so the form keeps only what the public constructor takes, and reading calls that
 * constructor: no hash-based collection is ever deserialized, and none can be nested in a file (see
 * {@link SafeObjectInput}). Rebuilding costs time linear in the values.
 */
final class SerialForms {
    private SerialForms() {}

    /** A form that stands in a stream for the object it rebuilds. */
    interface Form extends Serializable {
        Object rebuild();
    }

    /** {@link IntSet}: its values in order. */
    record IntSetForm(int[] values) implements Form {
        @Override
        public Object rebuild() {
            if (values == null) {
                throw new IllegalArgumentException("IntSet form without values");
            }
            return new IntSet(values);
        }
    }

    /** {@link StructType}: its fields in order. */
    record StructTypeForm(StructField[] fields) implements Form {
        @Override
        public Object rebuild() {
            if (fields == null) {
                throw new IllegalArgumentException("StructType form without fields");
            }
            for (StructField f : fields) {
                if (f == null || f.name == null || f.type == null) {
                    throw new IllegalArgumentException("StructType form with an incomplete field");
                }
            }
            return new StructType(fields);
        }
    }

    /** Writes {@link IntSet} and {@link StructType} in their forms; a second reference stays a back-reference. */
    static final class Output extends ObjectOutputStream {
        Output(OutputStream out) throws IOException {
            super(out);
            enableReplaceObject(true);
        }

        @Override
        protected Object replaceObject(Object o) {
            if (o != null && o.getClass() == IntSet.class) {
                return new IntSetForm(((IntSet) o).values);
            }
            if (o != null && o.getClass() == StructType.class) {
                return new StructTypeForm(((StructType) o).fields());
            }
            return o;
        }
    }
}
