package dev.drafthorse.kernels.grammar;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * JSON Schema to GBNF, following llama.cpp's {@code json-schema-to-grammar} (the version shipped with the llama.cpp
 * build in {@code ../shared/tools/llama.cpp}, whose primitives carry no trailing space: whitespace is allowed after
 * {@code {}, {@code [}, {@code ,} and {@code :} and before {@code }} and {@code ]}, never after the value).
 *
 * <p>Supported: {@code type} (one or a list), {@code properties}, {@code required} and {@code additionalProperties}
 * (required properties in the order of {@code properties}, then the optional ones in that order, any subset, as
 * llama.cpp orders them), {@code items} and {@code prefixItems}, {@code minItems}/{@code maxItems}, {@code enum},
 * {@code const}, {@code anyOf}/{@code oneOf} (as a union), string {@code minLength}/{@code maxLength}, the formats
 * {@code date}, {@code time}, {@code date-time} and {@code uuid} (other formats are plain strings, as in
 * llama.cpp), integer {@code minimum}/{@code maximum}/{@code exclusiveMinimum}/{@code exclusiveMaximum}, and local
 * {@code $ref}s ({@code #/$defs/…}, {@code #/definitions/…}, recursion allowed). Refused, by name and JSON path:
 * {@code pattern}, {@code allOf}, remote references, bounds on non-integer numbers, and malformed keywords.
 */
public final class JsonSchemaGrammar {
    private static final String SPACE_RULE = "| \" \" | \"\\n\"{1,2} [ \\t]{0,20}";

    private record Builtin(String content, List<String> deps) {}

    private static final Map<String, Builtin> PRIMITIVES = new LinkedHashMap<>();
    private static final Map<String, Builtin> FORMATS = new LinkedHashMap<>();

    static {
        PRIMITIVES.put("boolean", new Builtin("(\"true\" | \"false\")", List.of()));
        PRIMITIVES.put("decimal-part", new Builtin("[0-9]{1,16}", List.of()));
        PRIMITIVES.put("integral-part", new Builtin("[0] | [1-9] [0-9]{0,15}", List.of()));
        PRIMITIVES.put(
                "number",
                new Builtin(
                        "(\"-\"? integral-part) (\".\" decimal-part)? ([eE] [-+]? integral-part)?",
                        List.of("integral-part", "decimal-part")));
        PRIMITIVES.put("integer", new Builtin("(\"-\"? integral-part)", List.of("integral-part")));
        PRIMITIVES.put(
                "value",
                new Builtin(
                        "object | array | string | number | boolean | null",
                        List.of("object", "array", "string", "number", "boolean", "null")));
        PRIMITIVES.put(
                "object",
                new Builtin(
                        "\"{\" space ( string \":\" space value (\",\" space string \":\" space value)* )? space \"}\"",
                        List.of("string", "value")));
        PRIMITIVES.put(
                "array", new Builtin("\"[\" space ( value (\",\" space value)* )? space \"]\"", List.of("value")));
        PRIMITIVES.put(
                "uuid",
                new Builtin(
                        "\"\\\"\" [0-9a-fA-F]{8} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" "
                                + "[0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{12} \"\\\"\"",
                        List.of()));
        PRIMITIVES.put(
                "char",
                new Builtin("[^\"\\\\\\x7F\\x00-\\x1F] | [\\\\] ([\"\\\\bfnrt] | \"u\" [0-9a-fA-F]{4})", List.of()));
        PRIMITIVES.put("string", new Builtin("\"\\\"\" char* \"\\\"\"", List.of("char")));
        PRIMITIVES.put("null", new Builtin("\"null\"", List.of()));

        FORMATS.put(
                "date",
                new Builtin(
                        "[0-9]{4} \"-\" ( \"0\" [1-9] | \"1\" [0-2] ) \"-\" ( \"0\" [1-9] | [1-2] [0-9] | \"3\" [0-1] )",
                        List.of()));
        FORMATS.put(
                "time",
                new Builtin(
                        "([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9] \":\" [0-5] [0-9] ( \".\" [0-9]{3} )? "
                                + "( \"Z\" | ( \"+\" | \"-\" ) ( [01] [0-9] | \"2\" [0-3] ) \":\" [0-5] [0-9] )",
                        List.of()));
        FORMATS.put("date-time", new Builtin("date \"T\" time", List.of("date", "time")));
        FORMATS.put("date-string", new Builtin("\"\\\"\" date \"\\\"\"", List.of("date")));
        FORMATS.put("time-string", new Builtin("\"\\\"\" time \"\\\"\"", List.of("time")));
        FORMATS.put("date-time-string", new Builtin("\"\\\"\" date-time \"\\\"\"", List.of("date-time")));
    }

    private final String source;
    private final Object schemaRoot;
    private final Map<String, String> rules = new TreeMap<>();
    private final Set<String> resolving = new HashSet<>();

    private JsonSchemaGrammar(String source, Object schemaRoot) {
        this.source = source;
        this.schemaRoot = schemaRoot;
        rules.put("space", SPACE_RULE);
    }

    /** The GBNF text for a JSON schema; {@code source} names it in error messages. */
    public static String toGbnf(String schemaJson, String source) {
        Object schema = Json.parse(schemaJson, source);
        JsonSchemaGrammar c = new JsonSchemaGrammar(source, schema);
        c.visit(schema, "", "$");
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : c.rules.entrySet()) {
            sb.append(e.getKey()).append(" ::= ").append(e.getValue()).append('\n');
        }
        return sb.toString();
    }

    /** The compiled grammar for a JSON schema. */
    public static Grammar compile(String schemaJson, String source) {
        return Grammar.parse(toGbnf(schemaJson, source), source + " (as a grammar)");
    }

    private GrammarException error(String path, String problem) {
        return new GrammarException(source + " at " + path + ": " + problem);
    }

    private String addRule(String name, String rule) {
        String esc = name.replaceAll("[^a-zA-Z0-9-]+", "-");
        if (!rules.containsKey(esc) || rules.get(esc).equals(rule)) {
            rules.put(esc, rule);
            return esc;
        }
        int i = 0;
        while (rules.containsKey(esc + i) && !rules.get(esc + i).equals(rule)) {
            i++;
        }
        rules.put(esc + i, rule);
        return esc + i;
    }

    private String addPrimitive(String name, Builtin rule) {
        String n = addRule(name, rule.content());
        for (String dep : rule.deps()) {
            Builtin d = PRIMITIVES.containsKey(dep) ? PRIMITIVES.get(dep) : FORMATS.get(dep);
            if (!rules.containsKey(dep)) {
                addPrimitive(dep, d);
            }
        }
        return n;
    }

    private static boolean reserved(String name) {
        return name.equals("root") || PRIMITIVES.containsKey(name) || FORMATS.containsKey(name);
    }

    static String formatLiteral(String literal) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    static String buildRepetition(String item, int min, int max, String separator) {
        boolean hasMax = max != Integer.MAX_VALUE;
        if (max == 0) {
            return "";
        }
        if (min == 0 && max == 1) {
            return item + "?";
        }
        if (separator.isEmpty()) {
            if (min == 1 && !hasMax) {
                return item + "+";
            }
            if (min == 0 && !hasMax) {
                return item + "*";
            }
            return item + "{" + min + "," + (hasMax ? Integer.toString(max) : "") + "}";
        }
        String result = item + " "
                + buildRepetition(
                        "(" + separator + " " + item + ")", min == 0 ? 0 : min - 1, hasMax ? max - 1 : max, "");
        return min == 0 ? "(" + result + ")?" : result;
    }

    @SuppressWarnings("unchecked")
    private String visit(Object node, String name, String path) {
        if (node instanceof Boolean b && b) {
            node = Map.of();
        }
        if (!(node instanceof Map<?, ?>)) {
            throw error(path, "a schema must be a JSON object, got " + Json.dump(node));
        }
        Map<String, Object> schema = (Map<String, Object>) node;
        Object type = schema.get("type");
        String format = schema.get("format") instanceof String f ? f : "";
        String ruleName = reserved(name) ? name + "-" : name.isEmpty() ? "root" : name;

        for (String kw : List.of("pattern", "allOf", "not", "if", "patternProperties", "uniqueItems", "multipleOf")) {
            if (schema.containsKey(kw)) {
                throw error(path + "." + kw, "the keyword '" + kw + "' is not supported");
            }
        }
        if (schema.containsKey("$ref")) {
            if (!(schema.get("$ref") instanceof String ref)) {
                throw error(path + ".$ref", "$ref must be a string");
            }
            return addRule(ruleName, resolveRef(ref, path + ".$ref"));
        }
        if (schema.containsKey("oneOf") || schema.containsKey("anyOf")) {
            String kw = schema.containsKey("oneOf") ? "oneOf" : "anyOf";
            if (!(schema.get(kw) instanceof List<?> alts) || alts.isEmpty()) {
                throw error(path + "." + kw, kw + " must be a non-empty array");
            }
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < alts.size(); i++) {
                parts.add(visit(
                        alts.get(i),
                        name + (name.isEmpty() ? "alternative-" : "-") + i,
                        path + "." + kw + "[" + i + "]"));
            }
            return addRule(ruleName, String.join(" | ", parts));
        }
        if (type instanceof List<?> types) {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < types.size(); i++) {
                Map<String, Object> copy = new LinkedHashMap<>(schema);
                copy.put("type", types.get(i));
                parts.add(visit(copy, name + (name.isEmpty() ? "alternative-" : "-") + i, path + ".type[" + i + "]"));
            }
            return addRule(ruleName, String.join(" | ", parts));
        }
        if (type != null && !(type instanceof String)) {
            throw error(path + ".type", "type must be a string or an array of strings");
        }
        if (schema.containsKey("const")) {
            return addRule(ruleName, formatLiteral(Json.dump(schema.get("const"))));
        }
        if (schema.containsKey("enum")) {
            if (!(schema.get("enum") instanceof List<?> values) || values.isEmpty()) {
                throw error(path + ".enum", "enum must be a non-empty array");
            }
            List<String> parts = new ArrayList<>();
            for (Object v : values) {
                parts.add(formatLiteral(Json.dump(v)));
            }
            return addRule(ruleName, "(" + String.join(" | ", parts) + ")");
        }
        Object additional = schema.get("additionalProperties");
        if ((type == null || type.equals("object"))
                && (schema.containsKey("properties")
                        || schema.containsKey("required")
                        || additional != null && !Boolean.TRUE.equals(additional))) {
            Object props = schema.getOrDefault("properties", Map.of());
            if (!(props instanceof Map<?, ?>)) {
                throw error(path + ".properties", "properties must be an object");
            }
            Set<String> required = new HashSet<>();
            Object req = schema.get("required");
            if (req != null) {
                if (!(req instanceof List<?> rl)) {
                    throw error(path + ".required", "required must be an array of property names");
                }
                for (Object r : rl) {
                    if (!(r instanceof String rs)) {
                        throw error(path + ".required", "required must be an array of property names");
                    }
                    if (!((Map<String, Object>) props).containsKey(rs)) {
                        throw error(
                                path + ".required", "required property \"" + rs + "\" is not declared in properties");
                    }
                    required.add(rs);
                }
            }
            if (additional != null && !(additional instanceof Boolean) && !(additional instanceof Map<?, ?>)) {
                throw error(path + ".additionalProperties", "additionalProperties must be a boolean or a schema");
            }
            return addRule(ruleName, objectRule((Map<String, Object>) props, required, name, additional, path));
        }
        if ((type == null || type.equals("array"))
                && (schema.containsKey("items") || schema.containsKey("prefixItems"))) {
            String kw = schema.containsKey("items") ? "items" : "prefixItems";
            Object items = schema.get(kw);
            if (items instanceof List<?> tuple) {
                StringBuilder rule = new StringBuilder("\"[\" space ");
                for (int i = 0; i < tuple.size(); i++) {
                    if (i > 0) {
                        rule.append(" \",\" space ");
                    }
                    rule.append(visit(
                            tuple.get(i),
                            name + (name.isEmpty() ? "" : "-") + "tuple-" + i,
                            path + "." + kw + "[" + i + "]"));
                }
                rule.append(" space \"]\"");
                return addRule(ruleName, rule.toString());
            }
            String item = visit(items, name + (name.isEmpty() ? "" : "-") + "item", path + "." + kw);
            return addRule(ruleName, arrayRule(item, schema, path));
        }
        if ("array".equals(type) && (schema.containsKey("minItems") || schema.containsKey("maxItems"))) {
            String item = addPrimitive("value", PRIMITIVES.get("value"));
            return addRule(ruleName, arrayRule(item, schema, path));
        }
        if ((type == null || type.equals("string")) && format.matches("uuid[1-5]?")) {
            return addPrimitive(ruleName.equals("root") ? "root" : format, PRIMITIVES.get("uuid"));
        }
        if ((type == null || type.equals("string")) && FORMATS.containsKey(format + "-string")) {
            String prim = format + "-string";
            return addRule(ruleName, addPrimitive(prim, FORMATS.get(prim)));
        }
        if ("string".equals(type) && (schema.containsKey("minLength") || schema.containsKey("maxLength"))) {
            String charRule = addPrimitive("char", PRIMITIVES.get("char"));
            int min = nonNegative(schema, "minLength", 0, path);
            int max = nonNegative(schema, "maxLength", Integer.MAX_VALUE, path);
            if (min > max) {
                throw error(path + ".minLength", "minLength " + min + " exceeds maxLength " + max);
            }
            return addRule(ruleName, "\"\\\"\" " + buildRepetition(charRule, min, max, "") + " \"\\\"\"");
        }
        boolean bounded = schema.containsKey("minimum")
                || schema.containsKey("maximum")
                || schema.containsKey("exclusiveMinimum")
                || schema.containsKey("exclusiveMaximum");
        if ("integer".equals(type) && bounded) {
            long min = Long.MIN_VALUE;
            long max = Long.MAX_VALUE;
            if (schema.containsKey("minimum")) {
                min = integer(schema, "minimum", path);
            } else if (schema.containsKey("exclusiveMinimum")) {
                min = integer(schema, "exclusiveMinimum", path) + 1;
            }
            if (schema.containsKey("maximum")) {
                max = integer(schema, "maximum", path);
            } else if (schema.containsKey("exclusiveMaximum")) {
                max = integer(schema, "exclusiveMaximum", path) - 1;
            }
            if (min > max) {
                throw error(path, "the integer range is empty (minimum " + min + " > maximum " + max + ")");
            }
            StringBuilder out = new StringBuilder("(");
            IntRange.build(min, max, out, 16, true);
            return addRule(ruleName, out.append(")").toString());
        }
        if (bounded && "number".equals(type)) {
            throw error(
                    path, "minimum/maximum are supported on integers only (a grammar cannot bound a decimal number)");
        }
        if (schema.isEmpty() || "object".equals(type)) {
            return addRule(ruleName, addPrimitive("object", PRIMITIVES.get("object")));
        }
        if (type == null) {
            return addRule(ruleName, addPrimitive("value", PRIMITIVES.get("value")));
        }
        String t = (String) type;
        if (!PRIMITIVES.containsKey(t)
                || t.equals("value")
                || t.equals("char")
                || t.endsWith("-part")
                || t.equals("uuid")) {
            throw error(path + ".type", "unknown type \"" + type + "\"");
        }
        return addPrimitive(ruleName.equals("root") ? "root" : (String) type, PRIMITIVES.get(type));
    }

    private String arrayRule(String item, Map<String, Object> schema, String path) {
        int min = nonNegative(schema, "minItems", 0, path);
        int max = nonNegative(schema, "maxItems", Integer.MAX_VALUE, path);
        if (min > max) {
            throw error(path + ".minItems", "minItems " + min + " exceeds maxItems " + max);
        }
        return "\"[\" space " + buildRepetition(item, min, max, "\",\" space") + " space \"]\"";
    }

    private int nonNegative(Map<String, Object> schema, String key, int fallback, String path) {
        Object v = schema.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Json.Num n)
                || !n.isInteger()
                || n.value().signum() < 0
                || n.value().compareTo(java.math.BigDecimal.valueOf(Integer.MAX_VALUE)) > 0) {
            throw error(path + "." + key, key + " must be a non-negative integer, got " + Json.dump(v));
        }
        return n.value().intValue();
    }

    private long integer(Map<String, Object> schema, String key, String path) {
        Object v = schema.get(key);
        if (!(v instanceof Json.Num n)) {
            throw error(path + "." + key, key + " must be a number, got " + Json.dump(v));
        }
        try {
            return n.value()
                    .setScale(
                            0,
                            key.startsWith("exclusiveMax") || key.equals("maximum")
                                    ? java.math.RoundingMode.FLOOR
                                    : java.math.RoundingMode.CEILING)
                    .longValueExact();
        } catch (ArithmeticException e) {
            throw error(path + "." + key, key + " is out of range: " + n.text());
        }
    }

    private String objectRule(
            Map<String, Object> properties, Set<String> required, String name, Object additional, String path) {
        List<String> requiredProps = new ArrayList<>();
        List<String> optionalProps = new ArrayList<>();
        Map<String, String> kvRules = new LinkedHashMap<>();
        List<String> propNames = new ArrayList<>();
        for (Map.Entry<String, Object> e : properties.entrySet()) {
            String prop = e.getKey();
            String propRule =
                    visit(e.getValue(), name + (name.isEmpty() ? "" : "-") + prop, path + ".properties." + prop);
            kvRules.put(
                    prop,
                    addRule(
                            name + (name.isEmpty() ? "" : "-") + prop + "-kv",
                            formatLiteral(Json.dump(prop)) + " space \":\" space " + propRule));
            if (required.contains(prop)) {
                requiredProps.add(prop);
            } else {
                optionalProps.add(prop);
            }
            propNames.add(prop);
        }
        if (Boolean.TRUE.equals(additional) || additional instanceof Map<?, ?>) {
            String sub = name + (name.isEmpty() ? "" : "-") + "additional";
            String valueRule = additional instanceof Map<?, ?>
                    ? visit(additional, sub + "-value", path + ".additionalProperties")
                    : addPrimitive("value", PRIMITIVES.get("value"));
            String keyRule = propNames.isEmpty()
                    ? addPrimitive("string", PRIMITIVES.get("string"))
                    : addRule(sub + "-k", notStrings(propNames));
            kvRules.put("*", addRule(sub + "-kv", keyRule + " \":\" space " + valueRule));
            optionalProps.add("*");
        }
        if (requiredProps.isEmpty() && optionalProps.isEmpty()) {
            return "\"{\" space \"}\"";
        }
        StringBuilder rule = new StringBuilder("\"{\" space ");
        for (int i = 0; i < requiredProps.size(); i++) {
            if (i > 0) {
                rule.append(" \",\" space ");
            }
            rule.append(kvRules.get(requiredProps.get(i)));
        }
        if (!optionalProps.isEmpty()) {
            rule.append(" (");
            if (!requiredProps.isEmpty()) {
                rule.append(" \",\" space ( ");
            }
            for (int i = 0; i < optionalProps.size(); i++) {
                if (i > 0) {
                    rule.append(" | ");
                }
                rule.append(recursiveRefs(optionalProps.subList(i, optionalProps.size()), false, kvRules, name));
            }
            if (!requiredProps.isEmpty()) {
                rule.append(" )");
            }
            rule.append(" )?");
        }
        rule.append(" space \"}\"");
        return rule.toString();
    }

    private String recursiveRefs(List<String> ks, boolean firstIsOptional, Map<String, String> kvRules, String name) {
        if (ks.isEmpty()) {
            return "";
        }
        String k = ks.get(0);
        String kv = kvRules.get(k);
        String commaRef = "( \",\" space " + kv + " )";
        String res;
        if (firstIsOptional) {
            res = commaRef + (k.equals("*") ? "*" : "?");
        } else {
            res = kv + (k.equals("*") ? " " + commaRef + "*" : "");
        }
        if (ks.size() > 1) {
            res += " "
                    + addRule(
                            name + (name.isEmpty() ? "" : "-") + k + "-rest",
                            recursiveRefs(ks.subList(1, ks.size()), true, kvRules, name));
        }
        return res;
    }

    /** A string rule matching any JSON string except the given ones (keys other than the declared properties). */
    private String notStrings(List<String> strings) {
        Trie trie = new Trie();
        for (String s : strings) {
            trie.insert(s);
        }
        String charRule = addPrimitive("char", PRIMITIVES.get("char"));
        StringBuilder out = new StringBuilder("[\"] ( ");
        notStringsVisit(trie, out, charRule);
        out.append(" )").append(trie.end ? "" : "?").append(" [\"]");
        return out.toString();
    }

    private static void notStringsVisit(Trie node, StringBuilder out, String charRule) {
        StringBuilder rejects = new StringBuilder();
        boolean first = true;
        for (Map.Entry<Character, Trie> e : node.children.entrySet()) {
            String c = classChar(e.getKey());
            rejects.append(c);
            if (!first) {
                out.append(" | ");
            }
            first = false;
            out.append('[').append(c).append(']');
            Trie child = e.getValue();
            if (!child.children.isEmpty()) {
                out.append(" (");
                notStringsVisit(child, out, charRule);
                out.append(')');
            } else if (child.end) {
                out.append(' ').append(charRule).append('+');
            }
        }
        if (!node.children.isEmpty()) {
            if (!first) {
                out.append(" | ");
            }
            out.append("[^\"").append(rejects).append("] ").append(charRule).append('*');
        }
    }

    private static String classChar(char c) {
        return switch (c) {
            case '\r' -> "\\r";
            case '\n' -> "\\n";
            case '"' -> "\\\"";
            case '-' -> "\\-";
            case ']' -> "\\]";
            case '\\' -> "\\\\";
            default -> String.valueOf(c);
        };
    }

    private static final class Trie {
        final Map<Character, Trie> children = new TreeMap<>();
        boolean end;

        void insert(String s) {
            Trie n = this;
            for (char c : s.toCharArray()) {
                n = n.children.computeIfAbsent(c, k -> new Trie());
            }
            n.end = true;
        }
    }

    @SuppressWarnings("unchecked")
    private String resolveRef(String ref, String path) {
        if (!ref.startsWith("#/") && !ref.equals("#")) {
            throw error(path, "only local references (#/...) are supported, got \"" + ref + "\"");
        }
        String fragment = ref.substring(1);
        String refName = "ref" + fragment.replaceAll("[^a-zA-Z0-9-]+", "-");
        if (rules.containsKey(refName) || resolving.contains(ref)) {
            return refName;
        }
        Object target = schemaRoot;
        for (String sel : fragment.split("/")) {
            if (sel.isEmpty()) {
                continue;
            }
            String key = sel.replace("~1", "/").replace("~0", "~");
            if (target instanceof Map<?, ?> m && m.containsKey(key)) {
                target = ((Map<String, Object>) m).get(key);
            } else if (target instanceof List<?> l && key.matches("\\d+") && Integer.parseInt(key) < l.size()) {
                target = l.get(Integer.parseInt(key));
            } else {
                throw error(path, "cannot resolve \"" + ref + "\": no \"" + key + "\" there");
            }
        }
        resolving.add(ref);
        String r = visit(target, refName, ref);
        resolving.remove(ref);
        return r;
    }
}
