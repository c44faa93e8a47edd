package dev.drafthorse.kernels.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Jinja's operators with Python's semantics: comparison, {@code in}, {@code ~}, arithmetic, repetition. */
final class Operators {
    private Operators() {}

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

    static Object defined(Object v) {
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

    static Object arithmetic(String op, Object a, Object b) {
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
            if ((DataText.isString(a) || a instanceof List)
                    && (b instanceof Long || b instanceof Boolean)
                    && Py.length(a) * Math.max(0, Py.toLong(b)) > Builtins.MAX_REPEAT) {
                throw TemplateError.of("repetition too large: the sandbox allows " + Builtins.MAX_REPEAT + " items");
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
}
