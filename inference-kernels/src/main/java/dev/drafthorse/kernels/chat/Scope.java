package dev.drafthorse.kernels.chat;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Variables as Jinja scopes them: the template's top level, then one fresh scope per loop iteration and per
 * macro call, so a {@code set} inside a loop is gone after the iteration (the reason templates use
 * {@code namespace()}); {@code if} blocks open no scope.
 */
final class Scope {
    private final Scope parent;
    private final Map<String, Object> vars = new HashMap<>();
    /** The text the template writes, with the marks of the chars that came from the conversation. */
    final Output out;

    Scope(Scope parent, Output out) {
        this.parent = parent;
        this.out = out;
    }

    Scope child() {
        return new Scope(this, out);
    }

    /** A scope with the same variables that writes elsewhere ({@code {% set x %}…{% endset %}}). */
    Scope capturing(Output into) {
        return new Scope(this, into);
    }

    Object get(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            if (s.vars.containsKey(name)) {
                return s.vars.get(name);
            }
        }
        return new Undefined("'" + name + "' is undefined");
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }

    /** Rendered text with its data marks. */
    static final class Output {
        final StringBuilder text = new StringBuilder();
        final BitSet data = new BitSet();

        void append(Object s) {
            String v = DataText.value(s);
            if (DataText.anyData(s)) {
                BitSet m = DataText.marks(s);
                int base = text.length();
                for (int i = m.nextSetBit(0); i >= 0; i = m.nextSetBit(i + 1)) {
                    data.set(base + i);
                }
            }
            text.append(v);
        }

        Object value() {
            return DataText.of(text.toString(), (BitSet) data.clone());
        }
    }
}
