package dev.drafthorse.kernels.chat;

import java.util.List;
import java.util.Map;

/** The tests of Jinja ({@code is defined}, {@code is string}, {@code is divisibleby 3}, …). */
final class Tests {
    private Tests() {}

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
                return Operators.contains(a.get(0), v);
            }
            case "odd" -> {
                return Math.floorMod(Py.toLong(Operators.defined(v)), 2) == 1;
            }
            case "even" -> {
                return Math.floorMod(Py.toLong(Operators.defined(v)), 2) == 0;
            }
            case "divisibleby" -> {
                return Math.floorMod(Py.toLong(Operators.defined(v)), Py.toLong(a.get(0))) == 0;
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
}
