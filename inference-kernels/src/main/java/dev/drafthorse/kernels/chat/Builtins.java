package dev.drafthorse.kernels.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Attribute and item lookup, the Python methods of strings and dicts, and the global functions of templates
 * ({@link Operators}, {@link Filters} and {@link Tests} hold the rest).
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
        List<Object> items =
                obj instanceof List<?> l ? new ArrayList<>(l) : DataText.isString(obj) ? Py.iterate(obj) : null;
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
                return (a, kw) ->
                        DataText.strip(s, a.isEmpty() || a.get(0) == null ? null : str(a.get(0), name), left, right);
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

    static Object arg(List<Object> a, int i, String fn) {
        if (a.size() <= i) {
            throw TemplateError.of(fn + "() is missing argument " + (i + 1));
        }
        return a.get(i);
    }

    static String str(Object o, String fn) {
        if (!DataText.isString(o)) {
            throw TemplateError.of(fn + "() argument must be str, not " + Py.typeName(o));
        }
        return DataText.value(o);
    }

    static String title(String v) {
        StringBuilder b = new StringBuilder();
        boolean prevCased = false;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            b.append(prevCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            prevCased = Character.isLetter(c);
        }
        return b.toString();
    }

    static String capitalize(String v) {
        return v.isEmpty()
                ? v
                : Character.toUpperCase(v.charAt(0)) + v.substring(1).toLowerCase(java.util.Locale.ROOT);
    }

    static Object join(List<Object> items, Object sep) {
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
                    throw TemplateError.of(
                            "Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + MAX_RANGE + ").");
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
