package dev.drafthorse.hive;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.hive.ql.exec.Description;
import org.apache.hadoop.hive.ql.exec.UDFArgumentException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentTypeException;
import org.apache.hadoop.hive.ql.metadata.HiveException;
import org.apache.hadoop.hive.ql.udf.generic.GenericUDTF;
import org.apache.hadoop.hive.serde2.objectinspector.ConstantObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ListObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.MapObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector.Category;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspectorFactory;
import org.apache.hadoop.hive.serde2.objectinspector.PrimitiveObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.StructField;
import org.apache.hadoop.hive.serde2.objectinspector.StructObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorFactory;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorUtils;
import org.apache.hadoop.io.IntWritable;
import org.apache.hadoop.io.Text;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code explode_prompts(templates, fields)}: one row per template, its placeholders filled from the
 * row's fields, the prompt fan-out of a batch job written as a lateral view.
 *
 * <p>A placeholder that cannot be filled (no such field, a NULL field, a field that is not a primitive
 * value) and a malformed template fail at {@code initialize} when they can be seen there (constant
 * templates over a struct); otherwise the template's row carries a NULL prompt and the reason in
 * {@code error}, and the first such row is logged.
 */
@Description(
        name = "explode_prompts",
        value =
                "_FUNC_(ARRAY<STRING> templates | STRING template, STRUCT<...> | MAP<STRING, primitive> fields)"
                        + " - one row (template_id INT, prompt STRING, error STRING) per template, each {name} filled from fields",
        extended =
                "template_id is the template's 0-based position. {{ and }} are literal braces. Struct field names match"
                        + " placeholders case-insensitively (Hive lower-cases them), map keys exactly. A template that cannot be"
                        + " filled gives prompt NULL and the reason in error (or fails the query at compile time when the"
                        + " templates are constant and fields is a struct). NULL templates or fields give no row.\n"
                        + "Example:\n"
                        + "  > SELECT r.id, p.template_id, p.prompt FROM reviews r\n"
                        + "  >   LATERAL VIEW _FUNC_(array('Summarize: {body}', 'Is \"{title}\" positive?'),\n"
                        + "  >                       named_struct('title', r.title, 'body', r.body)) p AS template_id, prompt, error;\n"
                        + "  1\t0\tSummarize: Great pan, heats evenly.\n"
                        + "  1\t1\tIs \"Good pan\" positive?")
public final class ExplodePromptsUDTF extends GenericUDTF {
    static final String NAME = "explode_prompts";
    static final String SIGNATURE = NAME + "(templates ARRAY<STRING> | STRING, fields STRUCT | MAP<STRING, primitive>)";
    private static final Logger LOG = LoggerFactory.getLogger(ExplodePromptsUDTF.class);
    private static final int TEMPLATE_CACHE = 64;

    private transient ListObjectInspector templatesListOI; // null when templates is one string
    private transient PrimitiveObjectInspector templateOI; // the string, or the list's elements
    private transient List<PromptTemplate> constantTemplates; // null unless templates is a constant
    private transient Fields fields;
    private transient Map<String, Object> parsedTemplates; // PromptTemplate or the parse error (String)
    private transient Object[] row;
    private transient IntWritable templateId;
    private transient Text prompt;
    private transient Text error;
    private transient StringBuilder buf;
    private transient long badRows;

    @Override
    public StructObjectInspector initialize(ObjectInspector[] args) throws UDFArgumentException {
        Arguments.arity(NAME, SIGNATURE, args, 2, 2);
        if (args[0].getCategory() == Category.LIST
                && Arguments.isString(((ListObjectInspector) args[0]).getListElementObjectInspector())) {
            templatesListOI = (ListObjectInspector) args[0];
            templateOI = (PrimitiveObjectInspector) templatesListOI.getListElementObjectInspector();
        } else if (Arguments.isString(args[0])) {
            templatesListOI = null;
            templateOI = (PrimitiveObjectInspector) args[0];
        } else {
            throw new UDFArgumentTypeException(
                    0, NAME + ": argument 1 (templates) must be ARRAY<STRING> or STRING, got " + args[0].getTypeName());
        }
        fields = switch (args[1].getCategory()) {
            case STRUCT -> new StructFields((StructObjectInspector) args[1]);
            case MAP -> MapFields.of((MapObjectInspector) args[1]);
            default ->
                throw new UDFArgumentTypeException(
                        1, NAME + ": argument 2 (fields) must be a STRUCT or a MAP, got " + args[1].getTypeName());
        };

        constantTemplates = null;
        if (args[0] instanceof ConstantObjectInspector c) {
            constantTemplates = new ArrayList<>();
            List<String> sources = templates(c.getWritableConstantValue());
            for (int i = 0; i < sources.size(); i++) {
                String src = sources.get(i);
                if (src == null) {
                    constantTemplates.add(null);
                    continue;
                }
                PromptTemplate t;
                try {
                    t = PromptTemplate.parse(src);
                } catch (IllegalArgumentException e) {
                    throw new UDFArgumentTypeException(0, NAME + ": template " + i + ": " + e.getMessage());
                }
                if (fields instanceof StructFields sf) {
                    for (String name : t.placeholders()) {
                        String problem = sf.schemaProblem(name);
                        if (problem != null) {
                            throw new UDFArgumentTypeException(
                                    1, NAME + ": template " + i + ": placeholder {" + name + "}: " + problem);
                        }
                    }
                }
                constantTemplates.add(t);
            }
        }

        parsedTemplates = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
                return size() > TEMPLATE_CACHE;
            }
        };
        templateId = new IntWritable();
        prompt = new Text();
        error = new Text();
        row = new Object[3];
        buf = new StringBuilder();
        badRows = 0;

        return ObjectInspectorFactory.getStandardStructObjectInspector(
                List.of("template_id", "prompt", "error"),
                List.of(
                        PrimitiveObjectInspectorFactory.writableIntObjectInspector,
                        PrimitiveObjectInspectorFactory.writableStringObjectInspector,
                        PrimitiveObjectInspectorFactory.writableStringObjectInspector));
    }

    /** The template strings of a templates value (a list, or one string), nulls kept in place. */
    private List<String> templates(Object value) {
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (templatesListOI == null) {
            out.add(PrimitiveObjectInspectorUtils.getString(value, templateOI));
            return out;
        }
        int n = templatesListOI.getListLength(value);
        for (int i = 0; i < n; i++) {
            Object e = templatesListOI.getListElement(value, i);
            out.add(e == null ? null : PrimitiveObjectInspectorUtils.getString(e, templateOI));
        }
        return out;
    }

    @Override
    public void process(Object[] args) throws HiveException {
        if (args[0] == null || args[1] == null) {
            return;
        }
        fields.bind(args[1]);
        if (constantTemplates != null) {
            for (int i = 0; i < constantTemplates.size(); i++) {
                PromptTemplate t = constantTemplates.get(i);
                if (t != null) {
                    emit(i, t);
                }
            }
            return;
        }
        List<String> sources = templates(args[0]);
        for (int i = 0; i < sources.size(); i++) {
            String src = sources.get(i);
            if (src == null) {
                continue;
            }
            Object parsed = parsedTemplates.get(src);
            if (parsed == null) {
                try {
                    parsed = PromptTemplate.parse(src);
                } catch (IllegalArgumentException e) {
                    parsed = e.getMessage();
                }
                parsedTemplates.put(src, parsed);
            }
            if (parsed instanceof PromptTemplate t) {
                emit(i, t);
            } else {
                emitError(i, "template " + i + ": " + parsed);
            }
        }
    }

    private void emit(int i, PromptTemplate t) throws HiveException {
        buf.setLength(0);
        int failed = t.render(fields::value, buf);
        if (failed >= 0) {
            String name = t.name(failed);
            emitError(i, "placeholder {" + name + "}: " + fields.problem(name));
            return;
        }
        if (buf.length() == 0) {
            emitError(i, "the prompt is empty");
            return;
        }
        templateId.set(i);
        prompt.set(buf.toString());
        row[0] = templateId;
        row[1] = prompt;
        row[2] = null;
        forward(row);
    }

    private void emitError(int i, String reason) throws HiveException {
        if (badRows++ == 0) {
            LOG.warn(
                    "{}: template {} gives no prompt on a row: {} (later bad rows are counted, not logged)",
                    NAME,
                    i,
                    reason);
        }
        templateId.set(i);
        error.set(reason);
        row[0] = templateId;
        row[1] = null;
        row[2] = error;
        forward(row);
    }

    @Override
    public void close() throws HiveException {
        if (badRows > 1) {
            LOG.warn("{}: {} template rows had no prompt (see the error column)", NAME, badRows);
        }
    }

    @Override
    public String toString() {
        return NAME;
    }

    // ---------------------------------------------------------------------------------------------------
    // Where placeholder values come from

    /** The current row's fields, by placeholder name. */
    private abstract static class Fields {
        abstract void bind(Object data);

        /** The field's text, or null when it has none (see {@link #problem}). */
        abstract String value(String name);

        /** Why {@link #value} gave null. */
        abstract String problem(String name);
    }

    /** Struct fields by lower-cased name; Hive lower-cases identifiers, so placeholders match without case. */
    private static final class StructFields extends Fields {
        private final StructObjectInspector oi;
        private final Map<String, StructField> byName = new HashMap<>();
        private Object data;

        StructFields(StructObjectInspector oi) {
            this.oi = oi;
            for (StructField f : oi.getAllStructFieldRefs()) {
                byName.put(f.getFieldName().toLowerCase(Locale.ROOT), f);
            }
        }

        /** Why the schema cannot fill placeholder {@code name}, or null if it can. */
        String schemaProblem(String name) {
            StructField f = byName.get(name.toLowerCase(Locale.ROOT));
            if (f == null) {
                return "fields has no field '" + name + "' (it has: "
                        + String.join(", ", byName.keySet().stream().sorted().toList()) + ")";
            }
            if (f.getFieldObjectInspector().getCategory() != Category.PRIMITIVE) {
                return "field '" + f.getFieldName() + "' is "
                        + f.getFieldObjectInspector().getTypeName() + ", not a primitive value";
            }
            return null;
        }

        @Override
        void bind(Object data) {
            this.data = data;
        }

        @Override
        String value(String name) {
            StructField f = byName.get(name.toLowerCase(Locale.ROOT));
            if (f == null || f.getFieldObjectInspector().getCategory() != Category.PRIMITIVE) {
                return null;
            }
            Object v = oi.getStructFieldData(data, f);
            return v == null
                    ? null
                    : PrimitiveObjectInspectorUtils.getString(
                            v, (PrimitiveObjectInspector) f.getFieldObjectInspector());
        }

        @Override
        String problem(String name) {
            String p = schemaProblem(name);
            return p != null ? p : "field '" + name + "' is NULL";
        }
    }

    /** Map entries by exact key; keys are data, so no case folding. */
    private static final class MapFields extends Fields {
        private final MapObjectInspector oi;
        private final PrimitiveObjectInspector keyOI;
        private final PrimitiveObjectInspector valueOI;
        private final Map<String, String> values = new HashMap<>();
        private final Map<String, Boolean> present = new HashMap<>();

        private MapFields(MapObjectInspector oi) {
            this.oi = oi;
            this.keyOI = (PrimitiveObjectInspector) oi.getMapKeyObjectInspector();
            this.valueOI = (PrimitiveObjectInspector) oi.getMapValueObjectInspector();
        }

        static MapFields of(MapObjectInspector oi) throws UDFArgumentTypeException {
            if (!Arguments.isString(oi.getMapKeyObjectInspector())
                    || oi.getMapValueObjectInspector().getCategory() != Category.PRIMITIVE) {
                throw new UDFArgumentTypeException(
                        1,
                        NAME + ": argument 2 (fields) as a MAP must be MAP<STRING, primitive>," + " got "
                                + oi.getTypeName());
            }
            return new MapFields(oi);
        }

        @Override
        void bind(Object data) {
            values.clear();
            present.clear();
            Map<?, ?> m = oi.getMap(data);
            if (m == null) {
                return;
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (e.getKey() == null) {
                    continue;
                }
                String k = PrimitiveObjectInspectorUtils.getString(e.getKey(), keyOI);
                present.put(k, Boolean.TRUE);
                if (e.getValue() != null) {
                    values.put(k, PrimitiveObjectInspectorUtils.getString(e.getValue(), valueOI));
                }
            }
        }

        @Override
        String value(String name) {
            return values.get(name);
        }

        @Override
        String problem(String name) {
            return present.containsKey(name)
                    ? "field '" + name + "' is NULL"
                    : "fields has no key '" + name + "' (it has: "
                            + String.join(
                                    ", ", present.keySet().stream().sorted().toList()) + ")";
        }
    }
}
