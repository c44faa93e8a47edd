package dev.drafthorse.kernels.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An expression inside a tag, evaluated with Python's semantics (see {@link Py}). */
interface Expr {
    Object eval(Scope s);

    record Const(Object value) implements Expr {
        @Override
        public Object eval(Scope s) {
            return value;
        }
    }

    record Name(String name) implements Expr {
        @Override
        public Object eval(Scope s) {
            return s.get(name);
        }
    }

    record ListLit(List<Expr> items) implements Expr {
        @Override
        public Object eval(Scope s) {
            List<Object> out = new ArrayList<>();
            for (Expr e : items) {
                out.add(e.eval(s));
            }
            return out;
        }
    }

    /** {@code (a, b)}: a list that prints as a tuple. */
    record TupleLit(List<Expr> items) implements Expr {
        @Override
        public Object eval(Scope s) {
            List<Object> out = new ArrayList<>();
            for (Expr e : items) {
                out.add(e.eval(s));
            }
            return new Py.Tuple(out);
        }
    }

    record DictLit(List<Expr> keys, List<Expr> values) implements Expr {
        @Override
        public Object eval(Scope s) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                out.put(Py.plainKey(keys.get(i).eval(s)), values.get(i).eval(s));
            }
            return out;
        }
    }

    /** {@code obj.name}: Jinja tries the attribute (a method) first, then the item. */
    record GetAttr(Expr obj, String name) implements Expr {
        @Override
        public Object eval(Scope s) {
            return Builtins.getattr(obj.eval(s), name);
        }
    }

    /** {@code obj[key]}: Jinja tries the item first, then the attribute. */
    record GetItem(Expr obj, Expr key) implements Expr {
        @Override
        public Object eval(Scope s) {
            return Builtins.getitem(obj.eval(s), key.eval(s));
        }
    }

    record Slice(Expr obj, Expr start, Expr stop, Expr step) implements Expr {
        @Override
        public Object eval(Scope s) {
            return Builtins.slice(obj.eval(s), opt(start, s), opt(stop, s), opt(step, s));
        }

        private static Object opt(Expr e, Scope s) {
            return e == null ? null : e.eval(s);
        }
    }

    record Call(Expr fn, List<Expr> args, Map<String, Expr> kwargs) implements Expr {
        @Override
        public Object eval(Scope s) {
            Object f = fn.eval(s);
            if (f instanceof Undefined u) {
                throw u.fail();
            }
            if (!(f instanceof Py.Callable c)) {
                throw TemplateError.of("'" + Py.typeName(f) + "' object is not callable");
            }
            return c.call(evalAll(args, s), evalAll(kwargs, s));
        }
    }

    record Filter(Expr value, String name, List<Expr> args, Map<String, Expr> kwargs) implements Expr {
        @Override
        public Object eval(Scope s) {
            return Filters.filter(name, value.eval(s), evalAll(args, s), evalAll(kwargs, s));
        }
    }

    record Test(Expr value, String name, List<Expr> args, boolean negated) implements Expr {
        @Override
        public Object eval(Scope s) {
            boolean r = Tests.test(name, value.eval(s), evalAll(args, s));
            return negated != r;
        }
    }

    record Not(Expr x) implements Expr {
        @Override
        public Object eval(Scope s) {
            return !Py.truthy(x.eval(s));
        }
    }

    record Neg(Expr x, boolean minus) implements Expr {
        @Override
        public Object eval(Scope s) {
            Object v = x.eval(s);
            if (v instanceof Undefined u) {
                throw u.fail();
            }
            if (v instanceof Double d) {
                return minus ? -d : d;
            }
            if (Py.isNumber(v)) {
                return minus ? -Py.toLong(v) : Py.toLong(v);
            }
            throw TemplateError.of("bad operand type for unary " + (minus ? "-" : "+") + ": '" + Py.typeName(v) + "'");
        }
    }

    record And(Expr a, Expr b) implements Expr {
        @Override
        public Object eval(Scope s) {
            Object x = a.eval(s);
            return Py.truthy(x) ? b.eval(s) : x;
        }
    }

    record Or(Expr a, Expr b) implements Expr {
        @Override
        public Object eval(Scope s) {
            Object x = a.eval(s);
            return Py.truthy(x) ? x : b.eval(s);
        }
    }

    record Cond(Expr then, Expr cond, Expr otherwise) implements Expr {
        @Override
        public Object eval(Scope s) {
            if (Py.truthy(cond.eval(s))) {
                return then.eval(s);
            }
            if (otherwise == null) {
                return new Undefined("the inline if expression evaluated to false and no else section was defined");
            }
            return otherwise.eval(s);
        }
    }

    record Binary(String op, Expr a, Expr b) implements Expr {
        @Override
        public Object eval(Scope s) {
            return Operators.binary(op, a.eval(s), b.eval(s));
        }
    }

    static List<Object> evalAll(List<Expr> es, Scope s) {
        List<Object> out = new ArrayList<>(es.size());
        for (Expr e : es) {
            out.add(e.eval(s));
        }
        return out;
    }

    static Map<String, Object> evalAll(Map<String, Expr> es, Scope s) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Expr> e : es.entrySet()) {
            out.put(e.getKey(), e.getValue().eval(s));
        }
        return out;
    }
}
