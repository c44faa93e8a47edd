package dev.drafthorse.kernels.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Operators, attribute and item lookup, the Python methods of strings and dicts, and the filters and tests of
 * Jinja that chat templates use.
 *
 * <p>This is the sandbox: a template reaches only map keys, these methods and these functions. Nothing is looked
 * up by reflection, lists and dicts cannot be changed (as in transformers' {@code ImmutableSandboxedEnvironment}),
 * and {@code range} is capped as Jinja's sandbox caps it.
 */
final class Builtins {
    /** Jinja's sandbox limit on {@code range()}. */
    static final int MAX_RANGE = 100_000;
    /** Our cap on {@code str * n} and {@code list * n}, so a template cannot exhaust a task's memory. */
    static final long MAX_REPEAT = 10_000_000;

    private Builtins() {}

    // ---------------------------------------------------------------------------------------------------------
    // Lookup

    static Object getattr(Object obj, String name) {
        if (obj instanceof Undefined u) {
            throw u.fail();
        }
        Object method = method(obj, name);
        if (method != null) {
            return method;
        }
        return item(obj, name, "attribute");
    }

    static Object getitem(Object obj, Object key) {
        if (obj instanceof Undefined u) {
            throw u.fail();
        }
        if (DataText.isString(key) && obj instanceof Map<?, ?> m && !m.containsKey(Py.plainKey(key))) {
            Object method = method(obj, DataText.value(key));
            if (method != null) {
                return method;
            }
        }
        return item(obj, key, "item");
    }

    private static Object item(Object obj, Object key, String what) {
        if (obj instanceof Map<?, ?> m) {
            Object k = Py.plainKey(key);
            if (m.containsKey(k)) {
                return m.get(k);
            }
            return new Undefined("'dict object' has no " + what + " " + Py.repr(key));
        }
        if (obj instanceof Py.Namespace n && DataText.isString(key)) {
            String k = DataText.value(key);
            if (n.attrs.containsKey(k)) {
                return n.attrs.get(k);
            }
        }
        if ((obj instanceof List || DataText.isString(obj)) && (key instanceof Long || key instanceof Boolean)) {
            long len = Py.length(obj);
            long i = Py.toLong(key);
            if (i < 0) {
                i += len;
            }
            if (i < 0 || i >= len) {
                return new Undefined("'" + Py.typeName(obj) + " object' has no element " + key);
            }
            if (obj instanceof List<?> l) {
                return l.get((int) i);
            }
            String s = DataText.value(obj);
            int from = s.offsetByCodePoints(0, (int) i);
            return DataText.substring(obj, from, s.offsetByCodePoints(from, 1));
        }
        return new Undefined("'" + Py.typeName(obj) + " object' has no " + what + " " + Py.repr(key));
    }

    /** Python slicing {@code obj[start:stop:step]} of a list or a string (by code point). */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        if (obj instanceof Undefined u) {
            throw u.fail();
        }
        List<Object> items = obj instanceof List<?> l ? new ArrayList<>(l) : DataText.isString(obj) ? Py.iterate(obj) : null;
        if (items == null) {
            throw TemplateError.of("'" + Py.typeName(obj) + "' object is not subscriptable");
        }
        int n = items.size();
        int st = step == null ? 1 : (int) Py.toLong(step);
        if (st == 0) {
            throw TemplateError.of("slice step cannot be zero");
        }
        int lo;
        int hi;
        if (st > 0) {
            lo = bound(start, n, 0, 0, n);
            hi = bound(stop, n, n, 0, n);
        } else {
            lo = bound(start, n, n - 1, -1, n - 1);
            hi = bound(stop, n, -1, -1, n - 1);
        }
        List<Object> out = new ArrayList<>();
        for (int i = lo; st > 0 ? i < hi : i > hi; i += st) {
            out.add(items.get(i));
        }
        if (obj instanceof List) {
            return out;
        }
        Object s = "";
        for (Object c : out) {
            s = DataText.concat(s, c);
        }
        return s;
    }

    private static int bound(Object v, int n, int dflt, int min, int max) {
        if (v == null) {
            return dflt;
        }
        long i = Py.toLong(v);
        if (i < 0) {
            i += n;
        }
        return (int) Math.max(min, Math.min(max, i));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Methods of str and dict

    private static Object method(Object obj, String name) {
        if (DataText.isString(obj)) {
            return stringMethod(obj, name);
        }
        if (obj instanceof Map<?, ?> m) {
            return dictMethod(m, name);
        }
        return null;
    }

    private static Py.Callable stringMethod(Object s, String name) {
        String v = DataText.value(s);
        switch (name) {
            case "strip", "lstrip", "rstrip" -> {
                boolean left = !name.equals("rstrip");
                boolean right = !name.equals("lstrip");
                return (a, kw) -> DataText.strip(s, a.isEmpty() || a.get(0) == null ? null : str(a.get(0), name), left, right);
            }
            case "startswith", "endswith" -> {
                return (a, kw) -> {
                    Object prefix = arg(a, 0, name);
                    List<Object> options = prefix instanceof List<?> l ? new ArrayList<>(l) : List.of(prefix);
                    for (Object o : options) {
                        String p = str(o, name);
                        if (name.equals("startswith") ? v.startsWith(p) : v.endsWith(p)) {
                            return true;
                        }
                    }
                    return false;
                };
            }
            case "split" -> {
                return (a, kw) -> {
                    Object sep = a.size() > 0 ? a.get(0) : kw.get("sep");
                    Object max = a.size() > 1 ? a.get(1) : kw.getOrDefault("maxsplit", -1L);
                    return DataText.split(s, sep, (int) Py.toLong(max));
                };
            }
            case "replace" -> {
                return (a, kw) -> {
                    int count = a.size() > 2 ? (int) Py.toLong(a.get(2)) : -1;
                    return DataText.replace(s, arg(a, 0, name), arg(a, 1, name), count);
                };
            }
            case "upper" -> {
                return (a, kw) -> DataText.derived(s, v.toUpperCase(java.util.Locale.ROOT));
            }
            case "lower" -> {
                return (a, kw) -> DataText.derived(s, v.toLowerCase(java.util.Locale.ROOT));
            }
            case "title" -> {
                return (a, kw) -> DataText.derived(s, title(v));
            }
            case "capitalize" -> {
                return (a, kw) -> DataText.derived(s, capitalize(v));
            }
            case "find" -> {
                return (a, kw) -> {
                    int i = v.indexOf(str(arg(a, 0, name), name));
                    return (long) (i < 0 ? -1 : v.codePointCount(0, i));
                };
            }
            case "count" -> {
                return (a, kw) -> {
                    String sub = str(arg(a, 0, name), name);
                    if (sub.isEmpty()) {
                        return (long) v.codePointCount(0, v.length()) + 1;
                    }
                    return (long) (v.length() - v.replace(sub, "").length()) / sub.length();
                };
            }
            case "join" -> {
                return (a, kw) -> join(Py.iterate(arg(a, 0, name)), s);
            }
            case "isdigit" -> {
                return (a, kw) -> !v.isEmpty() && v.chars().allMatch(Character::isDigit);
            }
            case "isspace" -> {
                return (a, kw) -> !v.isEmpty() && v.chars().allMatch(Py::isSpace);
            }
            case "splitlines" -> {
                return (a, kw) -> {
                    List<Object> out = new ArrayList<>();
                    int from = 0;
                    for (int i = 0; i < v.length(); i++) {
                        if (v.charAt(i) == '\n') {
                            out.add(DataText.substring(s, from, i));
                            from = i + 1;
                        }
                    }
                    if (from < v.length()) {
                        out.add(DataText.substring(s, from, v.length()));
                    }
                    return out;
                };
            }
            default -> {
                return null;
            }
        }
    }

    private static Py.Callable dictMethod(Map<?, ?> m, String name) {
        switch (name) {
            case "items" -> {
                return (a, kw) -> pairs(m);
            }
            case "keys" -> {
                return (a, kw) -> new ArrayList<Object>(m.keySet());
            }
            case "values" -> {
                return (a, kw) -> new ArrayList<Object>(m.values());
            }
            case "get" -> {
                return (a, kw) -> {
                    Object k = Py.plainKey(arg(a, 0, name));
                    return m.containsKey(k) ? m.get(k) : (a.size() > 1 ? a.get(1) : null);
                };
            }
            default -> {
                return null;
            }
        }
    }

    /** A dict's (key, value) pairs as two-element lists (values may be None). */
    static List<Object> pairs(Map<?, ?> m) {
        List<Object> out = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            List<Object> pair = new ArrayList<>(2);
            pair.add(e.getKey());
            pair.add(e.getValue());
            out.add(new Py.Tuple(pair));
        }
        return out;
    }

    private static Object arg(List<Object> a, int i, String fn) {
        if (a.size() <= i) {
            throw TemplateError.of(fn + "() is missing argument " + (i + 1));
        }
        return a.get(i);
    }

    private static String str(Object o, String fn) {
        if (!DataText.isString(o)) {
            throw TemplateError.of(fn + "() argument must be str, not " + Py.typeName(o));
        }
        return DataText.value(o);
    }

    private static String title(String v) {
        StringBuilder b = new StringBuilder();
        boolean prevCased = false;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            b.append(prevCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            prevCased = Character.isLetter(c);
        }
        return b.toString();
    }

    private static String capitalize(String v) {
        return v.isEmpty() ? v : Character.toUpperCase(v.charAt(0)) + v.substring(1).toLowerCase(java.util.Locale.ROOT);
    }

    private static Object join(List<Object> items, Object sep) {
        Object out = "";
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                out = DataText.concat(out, sep);
            }
            out = DataText.concat(out, Py.strValue(items.get(i)));
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Operators

    static Object binary(String op, Object a, Object b) {
        switch (op) {
            case "==" -> {
                return Py.eq(a, b);
            }
            case "!=" -> {
                return !Py.eq(a, b);
            }
            case "<" -> {
                return Py.compare(defined(a), defined(b)) < 0;
            }
            case "<=" -> {
                return Py.compare(defined(a), defined(b)) <= 0;
            }
            case ">" -> {
                return Py.compare(defined(a), defined(b)) > 0;
            }
            case ">=" -> {
                return Py.compare(defined(a), defined(b)) >= 0;
            }
            case "in" -> {
                return contains(b, a);
            }
            case "~" -> {
                return DataText.concat(Py.strValue(a), Py.strValue(b));
            }
            default -> {
                return arithmetic(op, defined(a), defined(b));
            }
        }
    }

    private static Object defined(Object v) {
        if (v instanceof Undefined u) {
            throw u.fail();
        }
        return v;
    }

    static boolean contains(Object container, Object item) {
        if (DataText.isString(container)) {
            if (!DataText.isString(item)) {
                throw TemplateError.of("'in <string>' requires string as left operand, not " + Py.typeName(item));
            }
            return DataText.value(container).contains(DataText.value(item));
        }
        if (container instanceof Map<?, ?> m) {
            return m.containsKey(Py.plainKey(item));
        }
        if (container instanceof Undefined) {
            return false;
        }
        for (Object o : Py.iterate(container)) {
            if (Py.eq(o, item)) {
                return true;
            }
        }
        return false;
    }

    private static Object arithmetic(String op, Object a, Object b) {
        if (op.equals("+")) {
            if (DataText.isString(a) && DataText.isString(b)) {
                return DataText.concat(a, b);
            }
            if (DataText.isString(a)) {
                throw TemplateError.of("can only concatenate str (not \"" + Py.typeName(b) + "\") to str");
            }
            if (a instanceof List<?> la && b instanceof List<?> lb) {
                List<Object> out = new ArrayList<>(la);
                out.addAll(lb);
                return out;
            }
        }
        if (op.equals("*")) {
            if ((DataText.isString(a) || a instanceof List) && (b instanceof Long || b instanceof Boolean)
                    && Py.length(a) * Math.max(0, Py.toLong(b)) > MAX_REPEAT) {
                throw TemplateError.of("repetition too large: the sandbox allows " + MAX_REPEAT + " items");
            }
            if (DataText.isString(a) && (b instanceof Long || b instanceof Boolean)) {
                Object out = "";
                for (long i = 0; i < Py.toLong(b); i++) {
                    out = DataText.concat(out, a);
                }
                return out;
            }
            if (a instanceof List<?> la && b instanceof Long n) {
                List<Object> out = new ArrayList<>();
                for (long i = 0; i < n; i++) {
                    out.addAll(la);
                }
                return out;
            }
        }
        if (!Py.isNumber(a) || !Py.isNumber(b)) {
            throw TemplateError.of("unsupported operand type(s) for " + op + ": '" + Py.typeName(a) + "' and '"
                    + Py.typeName(b) + "'");
        }
        boolean floats = a instanceof Double || b instanceof Double;
        switch (op) {
            case "+" -> {
                return floats ? (Object) (Py.toDouble(a) + Py.toDouble(b)) : (Object) (Py.toLong(a) + Py.toLong(b));
            }
            case "-" -> {
                return floats ? (Object) (Py.toDouble(a) - Py.toDouble(b)) : (Object) (Py.toLong(a) - Py.toLong(b));
            }
            case "*" -> {
                return floats ? (Object) (Py.toDouble(a) * Py.toDouble(b)) : (Object) (Py.toLong(a) * Py.toLong(b));
            }
            case "/" -> {
                if (Py.toDouble(b) == 0) {
                    throw TemplateError.of("division by zero");
                }
                return Py.toDouble(a) / Py.toDouble(b);
            }
            case "//" -> {
                if (Py.toDouble(b) == 0) {
                    throw TemplateError.of("integer division or modulo by zero");
                }
                if (floats) {
                    return Math.floor(Py.toDouble(a) / Py.toDouble(b));
                }
                return Math.floorDiv(Py.toLong(a), Py.toLong(b));
            }
            case "%" -> {
                if (Py.toDouble(b) == 0) {
                    throw TemplateError.of("integer division or modulo by zero");
                }
                if (floats) {
                    double x = Py.toDouble(a);
                    double y = Py.toDouble(b);
                    return x - Math.floor(x / y) * y;
                }
                return Math.floorMod(Py.toLong(a), Py.toLong(b));
            }
            case "**" -> {
                if (!floats && Py.toLong(b) >= 0) {
                    long r = 1;
                    for (long i = 0; i < Py.toLong(b); i++) {
                        r = Math.multiplyExact(r, Py.toLong(a));
                    }
                    return r;
                }
                return Math.pow(Py.toDouble(a), Py.toDouble(b));
            }
            default -> throw TemplateError.of("unknown operator " + op);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Filters

    static Object filter(String name, Object v, List<Object> a, Map<String, Object> kw) {
        switch (name) {
            case "trim" -> {
                return DataText.strip(Py.strValue(v), a.isEmpty() ? null : a.get(0), true, true);
            }
            case "length", "count" -> {
                return Py.length(v);
            }
            case "string" -> {
                return Py.strValue(v);
            }
            case "safe", "e", "escape" -> {
                return v;
            }
            case "tojson" -> {
                // transformers' tojson: json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
                Object indent = kw.containsKey("indent") ? kw.get("indent") : a.isEmpty() ? null : a.get(0);
                boolean sortKeys = Py.truthy(kw.get("sort_keys"));
                boolean ascii = Py.truthy(kw.get("ensure_ascii"));
                String[] separators = null;
                if (kw.get("separators") instanceof List<?> sep && sep.size() == 2) {
                    separators = new String[] {DataText.value(sep.get(0)), DataText.value(sep.get(1))};
                }
                String json = Py.json(defined(v), indent == null ? null : (int) Py.toLong(indent), sortKeys, separators, ascii);
                return Py.holdsData(v) ? DataText.data(json) : json;
            }
            case "format" -> {
                Object s = Py.strValue(v);
                String out = Py.percentFormat(DataText.value(s), a);
                return DataText.anyData(s) || a.stream().anyMatch(Py::holdsData) ? DataText.data(out) : out;
            }
            case "upper" -> {
                Object s = Py.strValue(v);
                return DataText.derived(s, DataText.value(s).toUpperCase(java.util.Locale.ROOT));
            }
            case "lower" -> {
                Object s = Py.strValue(v);
                return DataText.derived(s, DataText.value(s).toLowerCase(java.util.Locale.ROOT));
            }
            case "capitalize" -> {
                Object s = Py.strValue(v);
                return DataText.derived(s, capitalize(DataText.value(s)));
            }
            case "title" -> {
                Object s = Py.strValue(v);
                return DataText.derived(s, title(DataText.value(s)));
            }
            case "replace" -> {
                return DataText.replace(Py.strValue(v), a.get(0), a.get(1), a.size() > 2 ? (int) Py.toLong(a.get(2)) : -1);
            }
            case "default", "d" -> {
                Object dflt = a.isEmpty() ? "" : a.get(0);
                boolean onFalse = a.size() > 1 && Py.truthy(a.get(1)) || Py.truthy(kw.get("boolean"));
                return v instanceof Undefined || (onFalse && !Py.truthy(v)) ? dflt : v;
            }
            case "first" -> {
                List<Object> l = Py.iterate(v);
                return l.isEmpty() ? new Undefined("No first item, sequence was empty.") : l.get(0);
            }
            case "last" -> {
                List<Object> l = Py.iterate(v);
                return l.isEmpty() ? new Undefined("No last item, sequence was empty.") : l.get(l.size() - 1);
            }
            case "list" -> {
                return Py.iterate(v);
            }
            case "reverse" -> {
                if (DataText.isString(v)) {
                    return slice(v, null, null, -1L);
                }
                List<Object> l = Py.iterate(v);
                java.util.Collections.reverse(l);
                return l;
            }
            case "join" -> {
                Object sep = a.isEmpty() ? kw.getOrDefault("d", "") : a.get(0);
                List<Object> items = Py.iterate(v);
                Object attr = a.size() > 1 ? a.get(1) : kw.get("attribute");
                if (attr != null) {
                    List<Object> mapped = new ArrayList<>();
                    for (Object o : items) {
                        mapped.add(attribute(o, attr));
                    }
                    items = mapped;
                }
                return join(items, sep);
            }
            case "int" -> {
                return toInt(v, a.isEmpty() ? 0L : a.get(0));
            }
            case "float" -> {
                return toFloat(v, a.isEmpty() ? 0.0 : a.get(0));
            }
            case "abs" -> {
                return v instanceof Double d ? (Object) Math.abs(d) : (Object) Math.abs(Py.toLong(defined(v)));
            }
            case "round" -> {
                int precision = a.isEmpty() ? 0 : (int) Py.toLong(a.get(0));
                double scale = Math.pow(10, precision);
                return Math.rint(Py.toDouble(defined(v)) * scale) / scale;
            }
            case "items" -> {
                if (v instanceof Undefined) {
                    return new ArrayList<>();
                }
                if (!(v instanceof Map<?, ?> m)) {
                    throw TemplateError.of("Can only get item pairs from a mapping.");
                }
                return pairs(m);
            }
            case "dictsort" -> {
                if (!(v instanceof Map<?, ?> m)) {
                    throw TemplateError.of("dictsort: expected a mapping, got " + Py.typeName(v));
                }
                List<Object> p = pairs(m);
                p.sort((x, y) -> Py.compare(((List<?>) x).get(0), ((List<?>) y).get(0)));
                return p;
            }
            case "unique" -> {
                List<Object> out = new ArrayList<>();
                for (Object o : Py.iterate(v)) {
                    boolean seen = false;
                    for (Object u : out) {
                        seen |= Py.eq(u, o);
                    }
                    if (!seen) {
                        out.add(o);
                    }
                }
                return out;
            }
            case "sort" -> {
                List<Object> l = Py.iterate(v);
                boolean reverse = Py.truthy(kw.getOrDefault("reverse", a.isEmpty() ? false : a.get(0)));
                Object attr = kw.get("attribute");
                l.sort((x, y) -> Py.compare(attr == null ? x : attribute(x, attr), attr == null ? y : attribute(y, attr)));
                if (reverse) {
                    java.util.Collections.reverse(l);
                }
                return l;
            }
            case "min", "max" -> {
                List<Object> l = Py.iterate(v);
                if (l.isEmpty()) {
                    return new Undefined("No aggregated item, sequence was empty.");
                }
                Object best = l.get(0);
                for (Object o : l) {
                    int c = Py.compare(o, best);
                    if (name.equals("min") ? c < 0 : c > 0) {
                        best = o;
                    }
                }
                return best;
            }
            case "sum" -> {
                Object total = kw.getOrDefault("start", 0L);
                Object attr = kw.containsKey("attribute") ? kw.get("attribute") : a.isEmpty() ? null : a.get(0);
                for (Object o : Py.iterate(v)) {
                    total = arithmetic("+", total, attr == null ? o : attribute(o, attr));
                }
                return total;
            }
            case "map" -> {
                List<Object> out = new ArrayList<>();
                for (Object o : Py.iterate(v)) {
                    if (kw.containsKey("attribute")) {
                        Object r = attribute(o, kw.get("attribute"));
                        out.add(r instanceof Undefined && kw.containsKey("default") ? kw.get("default") : r);
                    } else {
                        if (a.isEmpty()) {
                            throw TemplateError.of("map requires a filter argument");
                        }
                        out.add(filter(DataText.value(a.get(0)), o, a.subList(1, a.size()), Map.of()));
                    }
                }
                return out;
            }
            case "select", "reject", "selectattr", "rejectattr" -> {
                boolean attr = name.endsWith("attr");
                boolean keep = name.startsWith("select");
                List<Object> out = new ArrayList<>();
                for (Object o : Py.iterate(v)) {
                    Object subject = attr ? attribute(o, a.get(0)) : o;
                    int testAt = attr ? 1 : 0;
                    boolean r;
                    if (a.size() <= testAt) {
                        r = Py.truthy(subject);
                    } else {
                        r = test(DataText.value(a.get(testAt)), subject, a.subList(testAt + 1, a.size()));
                    }
                    if (r == keep) {
                        out.add(o);
                    }
                }
                return out;
            }
            case "indent" -> {
                Object width = a.isEmpty() ? kw.getOrDefault("width", 4L) : a.get(0);
                String pad = DataText.isString(width) ? DataText.value(width) : " ".repeat((int) Py.toLong(width));
                boolean first = Py.truthy(a.size() > 1 ? a.get(1) : kw.get("first"));
                boolean blank = Py.truthy(a.size() > 2 ? a.get(2) : kw.get("blank"));
                Object s = Py.strValue(v);
                List<Object> lines = DataText.split(s, "\n", -1);
                Object out = "";
                for (int i = 0; i < lines.size(); i++) {
                    Object line = lines.get(i);
                    boolean indentIt = (i > 0 || first) && (blank || !DataText.value(line).isEmpty());
                    out = DataText.concat(out, indentIt ? DataText.concat(pad, line) : line);
                    if (i < lines.size() - 1) {
                        out = DataText.concat(out, "\n");
                    }
                }
                return out;
            }
            case "wordcount" -> {
                return (long) DataText.split(Py.strValue(v), null, -1).size();
            }
            default -> throw TemplateError.of("No filter named '" + name + "'.");
        }
    }

    /** {@code attribute(o, "a.b")} as Jinja's {@code make_attrgetter}: dotted, with integer parts as indices. */
    private static Object attribute(Object o, Object path) {
        Object cur = o;
        for (String part : DataText.value(Py.strValue(path)).split("\\.")) {
            Object key = part.matches("-?\\d+") ? (Object) Long.parseLong(part) : part;
            cur = getitem(cur, key);
        }
        return cur;
    }

    private static Object toInt(Object v, Object dflt) {
        if (v instanceof Long) {
            return v;
        }
        if (v instanceof Boolean || v instanceof Double) {
            return Py.toLong(v);
        }
        if (DataText.isString(v)) {
            try {
                return Long.parseLong(DataText.value(v).trim());
            } catch (NumberFormatException e) {
                try {
                    return (long) Double.parseDouble(DataText.value(v).trim());
                } catch (NumberFormatException e2) {
                    return dflt;
                }
            }
        }
        return dflt;
    }

    private static Object toFloat(Object v, Object dflt) {
        if (Py.isNumber(v)) {
            return Py.toDouble(v);
        }
        if (DataText.isString(v)) {
            try {
                return Double.parseDouble(DataText.value(v).trim());
            } catch (NumberFormatException e) {
                return dflt;
            }
        }
        return dflt;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Tests

    static boolean test(String name, Object v, List<Object> a) {
        switch (name) {
            case "defined" -> {
                return !(v instanceof Undefined);
            }
            case "undefined" -> {
                return v instanceof Undefined;
            }
            case "none" -> {
                return v == null;
            }
            case "boolean" -> {
                return v instanceof Boolean;
            }
            case "true" -> {
                return Boolean.TRUE.equals(v);
            }
            case "false" -> {
                return Boolean.FALSE.equals(v);
            }
            case "integer" -> {
                return v instanceof Long;
            }
            case "float" -> {
                return v instanceof Double;
            }
            case "number" -> {
                return Py.isNumber(v);
            }
            case "string" -> {
                return DataText.isString(v);
            }
            case "mapping" -> {
                return v instanceof Map || v instanceof Py.Namespace;
            }
            case "iterable" -> {
                return v instanceof List || v instanceof Map || DataText.isString(v) || v instanceof Undefined;
            }
            case "sequence" -> {
                return v instanceof List || v instanceof Map || DataText.isString(v);
            }
            case "callable" -> {
                return v instanceof Py.Callable;
            }
            case "sameas" -> {
                Object o = a.get(0);
                return v == o || (v instanceof Boolean && v.equals(o)) || (v == null && o == null);
            }
            case "eq", "equalto", "==" -> {
                return Py.eq(v, a.get(0));
            }
            case "ne", "!=" -> {
                return !Py.eq(v, a.get(0));
            }
            case "lt", "lessthan", "<" -> {
                return Py.compare(v, a.get(0)) < 0;
            }
            case "le", "<=" -> {
                return Py.compare(v, a.get(0)) <= 0;
            }
            case "gt", "greaterthan", ">" -> {
                return Py.compare(v, a.get(0)) > 0;
            }
            case "ge", ">=" -> {
                return Py.compare(v, a.get(0)) >= 0;
            }
            case "in" -> {
                return contains(a.get(0), v);
            }
            case "odd" -> {
                return Math.floorMod(Py.toLong(defined(v)), 2) == 1;
            }
            case "even" -> {
                return Math.floorMod(Py.toLong(defined(v)), 2) == 0;
            }
            case "divisibleby" -> {
                return Math.floorMod(Py.toLong(defined(v)), Py.toLong(a.get(0))) == 0;
            }
            case "lower" -> {
                String s = DataText.value(Py.strValue(v));
                return s.equals(s.toLowerCase(java.util.Locale.ROOT));
            }
            case "upper" -> {
                String s = DataText.value(Py.strValue(v));
                return s.equals(s.toUpperCase(java.util.Locale.ROOT));
            }
            default -> throw TemplateError.of("No test named '" + name + "'.");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Global functions

    /** {@code range}, {@code namespace}, {@code dict}: the globals every template has. */
    static Map<String, Object> globals() {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("range", (Py.Callable) (a, kw) -> {
            long start = a.size() > 1 ? Py.toLong(a.get(0)) : 0;
            long stop = a.size() > 1 ? Py.toLong(a.get(1)) : Py.toLong(arg(a, 0, "range"));
            long step = a.size() > 2 ? Py.toLong(a.get(2)) : 1;
            if (step == 0) {
                throw TemplateError.of("range() arg 3 must not be zero");
            }
            List<Object> out = new ArrayList<>();
            for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
                if (out.size() >= MAX_RANGE) {
                    throw TemplateError.of("Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + MAX_RANGE + ").");
                }
                out.add(i);
            }
            return out;
        });
        g.put("namespace", (Py.Callable) (a, kw) -> {
            Py.Namespace ns = new Py.Namespace();
            for (Object o : a) {
                if (o instanceof Map<?, ?> m) {
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        ns.attrs.put(DataText.value(e.getKey()), e.getValue());
                    }
                }
            }
            ns.attrs.putAll(kw);
            return ns;
        });
        g.put("dict", (Py.Callable) (a, kw) -> new LinkedHashMap<Object, Object>(kw));
        return g;
    }

}
