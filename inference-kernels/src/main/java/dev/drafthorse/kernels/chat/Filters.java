package dev.drafthorse.kernels.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The filters of Jinja that chat templates use ({@code |trim}, {@code |tojson}, {@code |selectattr}, …). */
final class Filters {
    private Filters() {}

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
                // transformers' tojson: json.dumps(x, ensure_ascii=False, indent=None, separators=None,
                // sort_keys=False)
                Object indent = kw.containsKey("indent") ? kw.get("indent") : a.isEmpty() ? null : a.get(0);
                boolean sortKeys = Py.truthy(kw.get("sort_keys"));
                boolean ascii = Py.truthy(kw.get("ensure_ascii"));
                String[] separators = null;
                if (kw.get("separators") instanceof List<?> sep && sep.size() == 2) {
                    separators = new String[] {DataText.value(sep.get(0)), DataText.value(sep.get(1))};
                }
                String json = Py.json(
                        Operators.defined(v),
                        indent == null ? null : (int) Py.toLong(indent),
                        sortKeys,
                        separators,
                        ascii);
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
                return DataText.derived(s, Builtins.capitalize(DataText.value(s)));
            }
            case "title" -> {
                Object s = Py.strValue(v);
                return DataText.derived(s, Builtins.title(DataText.value(s)));
            }
            case "replace" -> {
                return DataText.replace(
                        Py.strValue(v), a.get(0), a.get(1), a.size() > 2 ? (int) Py.toLong(a.get(2)) : -1);
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
                    return Builtins.slice(v, null, null, -1L);
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
                return Builtins.join(items, sep);
            }
            case "int" -> {
                return toInt(v, a.isEmpty() ? 0L : a.get(0));
            }
            case "float" -> {
                return toFloat(v, a.isEmpty() ? 0.0 : a.get(0));
            }
            case "abs" -> {
                return v instanceof Double d
                        ? (Object) Math.abs(d)
                        : (Object) Math.abs(Py.toLong(Operators.defined(v)));
            }
            case "round" -> {
                int precision = a.isEmpty() ? 0 : (int) Py.toLong(a.get(0));
                double scale = Math.pow(10, precision);
                return Math.rint(Py.toDouble(Operators.defined(v)) * scale) / scale;
            }
            case "items" -> {
                if (v instanceof Undefined) {
                    return new ArrayList<>();
                }
                if (!(v instanceof Map<?, ?> m)) {
                    throw TemplateError.of("Can only get item pairs from a mapping.");
                }
                return Builtins.pairs(m);
            }
            case "dictsort" -> {
                if (!(v instanceof Map<?, ?> m)) {
                    throw TemplateError.of("dictsort: expected a mapping, got " + Py.typeName(v));
                }
                List<Object> p = Builtins.pairs(m);
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
                l.sort((x, y) ->
                        Py.compare(attr == null ? x : attribute(x, attr), attr == null ? y : attribute(y, attr)));
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
                    total = Operators.arithmetic("+", total, attr == null ? o : attribute(o, attr));
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
                        r = Tests.test(DataText.value(a.get(testAt)), subject, a.subList(testAt + 1, a.size()));
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
                    boolean indentIt =
                            (i > 0 || first) && (blank || !DataText.value(line).isEmpty());
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
            cur = Builtins.getitem(cur, key);
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
}
