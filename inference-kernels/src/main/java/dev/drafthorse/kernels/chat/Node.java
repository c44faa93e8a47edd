package dev.drafthorse.kernels.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A statement of the template: text, {@code {{ output }}}, or a {@code {% tag %}} with its body. */
interface Node {
    void render(Scope s);

    static void renderAll(List<Node> nodes, Scope s) {
        for (Node n : nodes) {
            n.render(s);
        }
    }

    record Text(String text) implements Node {
        @Override
        public void render(Scope s) {
            s.out.append(text);
        }
    }

    record Print(Expr expr) implements Node {
        @Override
        public void render(Scope s) {
            s.out.append(Py.strValue(expr.eval(s)));
        }
    }

    record If(List<Expr> conditions, List<List<Node>> bodies, List<Node> otherwise) implements Node {
        @Override
        public void render(Scope s) {
            for (int i = 0; i < conditions.size(); i++) {
                if (Py.truthy(conditions.get(i).eval(s))) {
                    renderAll(bodies.get(i), s);
                    return;
                }
            }
            renderAll(otherwise, s);
        }
    }

    /** Thrown by {@code break} and {@code continue} (the loopcontrols extension), caught by the loop. */
    final class LoopControl extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final LoopControl BREAK = new LoopControl();
        static final LoopControl CONTINUE = new LoopControl();

        private LoopControl() {
            super(null, null, false, false);
        }
    }

    record Break() implements Node {
        @Override
        public void render(Scope s) {
            throw LoopControl.BREAK;
        }
    }

    record Continue() implements Node {
        @Override
        public void render(Scope s) {
            throw LoopControl.CONTINUE;
        }
    }

    /**
     * {@code for a[, b] in items [if filter]}: the filter runs first (so {@code loop.length} counts the kept
     * items), each iteration gets its own scope with {@code loop}, and {@code else} runs when nothing was kept.
     */
    record For(List<String> targets, Expr items, Expr filter, List<Node> body, List<Node> otherwise) implements Node {
        @Override
        public void render(Scope s) {
            List<Object> all = Py.iterate(items.eval(s));
            List<Object> kept = new ArrayList<>();
            for (Object item : all) {
                if (filter == null) {
                    kept.add(item);
                    continue;
                }
                Scope f = s.child();
                bind(f, item);
                if (Py.truthy(filter.eval(f))) {
                    kept.add(item);
                }
            }
            if (kept.isEmpty()) {
                renderAll(otherwise, s);
                return;
            }
            int n = kept.size();
            for (int i = 0; i < n; i++) {
                Scope it = s.child();
                bind(it, kept.get(i));
                it.set("loop", loop(kept, i));
                try {
                    renderAll(body, it);
                } catch (LoopControl c) {
                    if (c == LoopControl.BREAK) {
                        break;
                    }
                }
            }
        }

        private void bind(Scope it, Object item) {
            if (targets.size() == 1) {
                it.set(targets.get(0), item);
                return;
            }
            List<Object> parts = Py.iterate(item);
            if (parts.size() != targets.size()) {
                throw TemplateError.of("cannot unpack " + parts.size() + " values into " + targets.size() + " names");
            }
            for (int k = 0; k < parts.size(); k++) {
                it.set(targets.get(k), parts.get(k));
            }
        }

        private static Map<String, Object> loop(List<Object> kept, int i) {
            int n = kept.size();
            Map<String, Object> loop = new LinkedHashMap<>();
            loop.put("index", (long) i + 1);
            loop.put("index0", (long) i);
            loop.put("revindex", (long) (n - i));
            loop.put("revindex0", (long) (n - i - 1));
            loop.put("first", i == 0);
            loop.put("last", i == n - 1);
            loop.put("length", (long) n);
            loop.put("depth", 1L);
            loop.put("depth0", 0L);
            loop.put("previtem", i > 0 ? kept.get(i - 1) : new Undefined("there is no previous item"));
            loop.put("nextitem", i < n - 1 ? kept.get(i + 1) : new Undefined("there is no next item"));
            loop.put("cycle", (Py.Callable) (args, kw) -> {
                if (args.isEmpty()) {
                    throw TemplateError.of("no items for cycling given");
                }
                return args.get(i % args.size());
            });
            return loop;
        }
    }

    /** {@code set a = x}, {@code set a, b = x}, or {@code set ns.attr = x} (namespaces only). */
    record Set(List<String> targets, String attribute, Expr value) implements Node {
        @Override
        public void render(Scope s) {
            Object v = value.eval(s);
            if (attribute != null) {
                Object ns = s.get(targets.get(0));
                if (!(ns instanceof Py.Namespace n)) {
                    throw TemplateError.of("cannot assign attribute on non-namespace object");
                }
                n.attrs.put(attribute, v);
                return;
            }
            if (targets.size() == 1) {
                s.set(targets.get(0), v);
                return;
            }
            List<Object> parts = Py.iterate(v);
            if (parts.size() != targets.size()) {
                throw TemplateError.of("cannot unpack " + parts.size() + " values into " + targets.size() + " names");
            }
            for (int k = 0; k < parts.size(); k++) {
                s.set(targets.get(k), parts.get(k));
            }
        }
    }

    /** {@code {% set name %}body{% endset %}}: the rendered body becomes the value. */
    record SetBlock(String name, List<Node> body) implements Node {
        @Override
        public void render(Scope s) {
            Scope.Output into = new Scope.Output();
            renderAll(body, s.capturing(into));
            s.set(name, into.value());
        }
    }

    /** {@code {% macro name(a, b=default) %}}: a function whose call renders the body in its own scope. */
    record Macro(String name, List<String> params, Map<String, Expr> defaults, List<Node> body) implements Node {
        @Override
        public void render(Scope s) {
            Scope defining = s;
            s.set(name, (Py.Callable) (args, kwargs) -> {
                Scope.Output into = new Scope.Output();
                Scope call = defining.capturing(into);
                for (int i = 0; i < params.size(); i++) {
                    String p = params.get(i);
                    Object v;
                    if (i < args.size()) {
                        v = args.get(i);
                    } else if (kwargs.containsKey(p)) {
                        v = kwargs.get(p);
                    } else if (defaults.containsKey(p)) {
                        v = defaults.get(p).eval(call);
                    } else {
                        v = new Undefined("parameter '" + p + "' was not provided");
                    }
                    call.set(p, v);
                }
                if (args.size() > params.size()) {
                    throw TemplateError.of(
                            "macro '" + name + "' takes not more than " + params.size() + " argument(s)");
                }
                renderAll(body, call);
                return into.value();
            });
        }
    }

    /** A block that renders its body as is (transformers' {@code {% generation %}} marker). */
    record Block(List<Node> body) implements Node {
        @Override
        public void render(Scope s) {
            renderAll(body, s);
        }
    }
}
