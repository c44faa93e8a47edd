package dev.drafthorse.kernels.chat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's semantics for the values a template sees: truth, {@code str()}, {@code repr()}, equality, ordering,
 * iteration, {@code len()} and {@code json.dumps}. Values are {@link String} or {@link DataText}, {@link Long},
 * {@link Double}, {@link Boolean}, {@code null} (None), {@link List}, {@link Map}, {@link Undefined},
 * {@link Namespace} and {@link Callable}.
 */
final class Py {
    private Py() {}

    /** A function or bound method a template can call: positional and keyword arguments. */
    interface Callable {
        Object call(List<Object> args, Map<String, Object> kwargs);
    }

    /** A tuple: a list that prints as Python prints tuples ({@code ('a', 1)}). */
    static final class Tuple extends java.util.ArrayList<Object> {
        private static final long serialVersionUID = 1L;

        Tuple(java.util.Collection<?> items) {
            super(items);
        }
    }

    /** The mutable object {@code namespace(...)} makes: the one thing a template may assign attributes to. */
    static final class Namespace {
        final Map<String, Object> attrs = new java.util.LinkedHashMap<>();
    }

    /** Python's {@code str.isspace()} for one char. */
    static boolean isSpace(int c) {
        return c == ' '
                || (c >= '\t' && c <= '\r')
                || (c >= 0x1c && c <= 0x1f)
                || c == 0x85
                || c == 0xa0
                || c == 0x1680
                || (c >= 0x2000 && c <= 0x200a)
                || c == 0x2028
                || c == 0x2029
                || c == 0x202f
                || c == 0x205f
                || c == 0x3000;
    }

    static boolean truthy(Object v) {
        if (v == null || v instanceof Undefined) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Long l) {
            return l != 0;
        }
        if (v instanceof Double d) {
            return d != 0.0;
        }
        if (DataText.isString(v)) {
            return !DataText.value(v).isEmpty();
        }
        if (v instanceof List<?> l) {
            return !l.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    /** {@code str(v)} as a template string: strings keep their marks, anything holding data is all marked. */
    static Object strValue(Object v) {
        if (DataText.isString(v)) {
            return v;
        }
        String s = str(v);
        return holdsData(v) ? DataText.data(s) : s;
    }

    static boolean holdsData(Object v) {
        if (v instanceof DataText) {
            return true;
        }
        if (v instanceof List<?> l) {
            for (Object o : l) {
                if (holdsData(o)) {
                    return true;
                }
            }
        } else if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (holdsData(e.getKey()) || holdsData(e.getValue())) {
                    return true;
                }
            }
        }
        return false;
    }

    static String str(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Undefined) {
            return "";
        }
        if (DataText.isString(v)) {
            return DataText.value(v);
        }
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (v instanceof Double d) {
            return floatRepr(d);
        }
        if (v instanceof Long) {
            return v.toString();
        }
        if (v instanceof Namespace n) {
            return "<Namespace " + repr(n.attrs) + ">";
        }
        if (v instanceof Callable) {
            return "<function>";
        }
        return repr(v);
    }

    static String repr(Object v) {
        if (DataText.isString(v)) {
            String s = DataText.value(v);
            char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
            StringBuilder b = new StringBuilder().append(q);
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c == q) {
                            b.append('\\').append(c);
                        } else if (c < 0x20 || c == 0x7f) {
                            b.append(String.format("\\x%02x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            return b.append(q).toString();
        }
        if (v instanceof List<?> l) {
            boolean tuple = v instanceof Tuple;
            StringBuilder b = new StringBuilder(tuple ? "(" : "[");
            for (int i = 0; i < l.size(); i++) {
                b.append(i > 0 ? ", " : "").append(repr(l.get(i)));
            }
            if (tuple && l.size() == 1) {
                b.append(',');
            }
            return b.append(tuple ? ')' : ']').toString();
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append(first ? "" : ", ")
                        .append(repr(e.getKey()))
                        .append(": ")
                        .append(repr(e.getValue()));
                first = false;
            }
            return b.append('}').toString();
        }
        if (v instanceof Undefined) {
            return "Undefined";
        }
        return str(v);
    }

    /** Python's {@code repr(float)}: the shortest digits that round-trip, in Python's layout. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exp = bd.precision() - bd.scale() - 1;
        if (exp >= 16 || exp < -4) {
            String digits = bd.unscaledValue().abs().toString();
            String mant = digits.length() > 1 ? digits.charAt(0) + "." + digits.substring(1) : digits;
            return (d < 0 ? "-" : "") + mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "")
                    + Math.abs(exp);
        }
        String plain = bd.toPlainString();
        return plain.contains(".") ? plain : plain + ".0";
    }

    static String typeName(Object v) {
        if (v == null) {
            return "NoneType";
        }
        if (DataText.isString(v)) {
            return "str";
        }
        if (v instanceof Boolean) {
            return "bool";
        }
        if (v instanceof Long) {
            return "int";
        }
        if (v instanceof Double) {
            return "float";
        }
        if (v instanceof List) {
            return "list";
        }
        if (v instanceof Map) {
            return "dict";
        }
        if (v instanceof Undefined) {
            return "Undefined";
        }
        if (v instanceof Namespace) {
            return "Namespace";
        }
        return "function";
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    static double toDouble(Object v) {
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return ((Number) v).doubleValue();
    }

    static long toLong(Object v) {
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return ((Number) v).longValue();
    }

    static boolean eq(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (DataText.isString(a) && DataText.isString(b)) {
            return DataText.value(a).equals(DataText.value(b));
        }
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return toDouble(a) == toDouble(b);
            }
            return toLong(a) == toLong(b);
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if (la.size() != lb.size()) {
                return false;
            }
            for (int i = 0; i < la.size(); i++) {
                if (!eq(la.get(i), lb.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : ma.entrySet()) {
                Object key = plainKey(e.getKey());
                if (!mb.containsKey(key) || !eq(e.getValue(), mb.get(key))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Undefined && b instanceof Undefined) {
            return true;
        }
        return a == b;
    }

    /** Ordering for {@code < <= > >=}, {@code sort}, {@code min}/{@code max}: numbers, strings, lists. */
    static int compare(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            return Double.compare(toDouble(a), toDouble(b));
        }
        if (DataText.isString(a) && DataText.isString(b)) {
            return DataText.value(a).compareTo(DataText.value(b));
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
                int c = compare(la.get(i), lb.get(i));
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(la.size(), lb.size());
        }
        throw TemplateError.of(
                "'<' not supported between instances of '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    /** Map keys are plain Java strings; a marked string looks up by its value. */
    static Object plainKey(Object k) {
        return k instanceof DataText t ? t.value : k;
    }

    /** The items {@code for} walks: a list, a dict's keys, a string's characters; undefined is empty. */
    static List<Object> iterate(Object v) {
        if (v instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        if (v instanceof Map<?, ?> m) {
            return new ArrayList<>(m.keySet());
        }
        if (DataText.isString(v)) {
            List<Object> out = new ArrayList<>();
            String s = DataText.value(v);
            for (int i = 0; i < s.length(); i = s.offsetByCodePoints(i, 1)) {
                out.add(DataText.substring(v, i, s.offsetByCodePoints(i, 1)));
            }
            return out;
        }
        if (v instanceof Undefined) {
            return new ArrayList<>();
        }
        throw TemplateError.of("'" + typeName(v) + "' object is not iterable");
    }

    static long length(Object v) {
        if (DataText.isString(v)) {
            String s = DataText.value(v);
            return s.codePointCount(0, s.length());
        }
        if (v instanceof List<?> l) {
            return l.size();
        }
        if (v instanceof Map<?, ?> m) {
            return m.size();
        }
        if (v instanceof Undefined) {
            return 0;
        }
        throw TemplateError.of("object of type '" + typeName(v) + "' has no len()");
    }

    // ---------------------------------------------------------------------------------------------------------
    // json.dumps(v, ensure_ascii=False, indent=indent, sort_keys=sortKeys), as transformers' tojson filter calls it

    static String json(Object v, Integer indent, boolean sortKeys) {
        return json(v, indent, sortKeys, null, false);
    }

    /**
     * @param separators item and key separators, or null for Python's defaults ({@code ", "} and {@code ": "}, the item
     *     separator {@code ","} when indenting)
     * @param ascii escape non-ASCII characters as {@code \}{@code uXXXX} ({@code ensure_ascii=True})
     */
    static String json(Object v, Integer indent, boolean sortKeys, String[] separators, boolean ascii) {
        String item = separators != null ? separators[0] : indent == null ? ", " : ",";
        String key = separators != null ? separators[1] : ": ";
        StringBuilder b = new StringBuilder();
        new JsonWriter(b, indent, sortKeys, item, key, ascii).write(v, 0);
        return b.toString();
    }

    /** {@code json.dumps} with its settings. */
    private record JsonWriter(
            StringBuilder b, Integer indent, boolean sortKeys, String item, String key, boolean ascii) {
        void write(Object v, int depth) {
            json(this, v, depth);
        }
    }

    private static void json(JsonWriter w, Object v, int depth) {
        StringBuilder b = w.b();
        Integer indent = w.indent();
        boolean sortKeys = w.sortKeys();
        if (v == null) {
            b.append("null");
        } else if (v instanceof Boolean x) {
            b.append(x ? "true" : "false");
        } else if (v instanceof Long) {
            b.append(v);
        } else if (v instanceof Double d) {
            b.append(
                    Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : floatRepr(d));
        } else if (DataText.isString(v)) {
            jsonString(b, DataText.value(v), w.ascii());
        } else if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                b.append("[]");
                return;
            }
            b.append('[');
            for (int i = 0; i < l.size(); i++) {
                b.append(i > 0 ? w.item() : "");
                newline(b, indent, depth + 1);
                json(w, l.get(i), depth + 1);
            }
            newline(b, indent, depth);
            b.append(']');
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                b.append("{}");
                return;
            }
            List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
            if (sortKeys) {
                entries.sort((x, y) -> compare(x.getKey(), y.getKey()));
            }
            b.append('{');
            Iterator<Map.Entry<?, ?>> it = entries.iterator();
            boolean first = true;
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                b.append(first ? "" : w.item());
                first = false;
                newline(b, indent, depth + 1);
                Object k = e.getKey();
                jsonString(b, DataText.isString(k) ? DataText.value(k) : str(k), w.ascii());
                b.append(w.key());
                json(w, e.getValue(), depth + 1);
            }
            newline(b, indent, depth);
            b.append('}');
        } else if (v instanceof Namespace n) {
            json(w, n.attrs, depth);
        } else {
            throw TemplateError.of("Object of type " + typeName(v) + " is not JSON serializable");
        }
    }

    /** Python's {@code "fmt" % args} for {@code |format}: {@code %s %r %d %i %f %e %x %o %%}, flags and width. */
    static String percentFormat(String fmt, List<Object> args) {
        StringBuilder out = new StringBuilder();
        int next = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            int j = i + 1;
            while (j < fmt.length() && "-+ #0123456789.".indexOf(fmt.charAt(j)) >= 0) {
                j++;
            }
            if (j >= fmt.length()) {
                throw TemplateError.of("incomplete format");
            }
            char conv = fmt.charAt(j);
            String spec = fmt.substring(i + 1, j);
            i = j;
            if (conv == '%') {
                out.append('%');
                continue;
            }
            if (next >= args.size()) {
                throw TemplateError.of("not enough arguments for format string");
            }
            Object arg = args.get(next++);
            switch (conv) {
                case 's' -> out.append(String.format("%" + spec + "s", str(arg)));
                case 'r' -> out.append(String.format("%" + spec + "s", repr(arg)));
                case 'd', 'i' -> out.append(String.format("%" + spec + "d", toLong(numberArg(arg))));
                case 'x', 'o', 'X' -> out.append(String.format("%" + spec + conv, toLong(numberArg(arg))));
                case 'f', 'F', 'e', 'E' ->
                    out.append(String.format(
                            java.util.Locale.ROOT,
                            "%" + (spec.contains(".") ? spec : spec + ".6") + conv,
                            toDouble(numberArg(arg))));
                default -> throw TemplateError.of("unsupported format character '" + conv + "'");
            }
        }
        if (next < args.size()) {
            throw TemplateError.of("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    private static Object numberArg(Object v) {
        if (!isNumber(v)) {
            throw TemplateError.of("a number is required, not " + typeName(v));
        }
        return v;
    }

    private static void newline(StringBuilder b, Integer indent, int depth) {
        if (indent != null) {
            b.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private static void jsonString(StringBuilder b, String s, boolean ascii) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || (ascii && c > 0x7e)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
