package dev.drafthorse.kernels.chat;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A string that remembers which of its chars came from the conversation (message roles and contents) rather
 * than from the template. The engine's strings are plain {@link String}s when no char came from the data, and
 * {@code DataText} otherwise; every string operation below carries the marks along (a substring keeps its chars'
 * marks, a replacement takes the marks of the text put in, a case change of different length marks the whole
 * result). The render's marks tell the tokenizer where special tokens may be parsed: in the template's own text
 * only, so a {@code <|im_end|>} inside a message stays text.
 *
 * <p>Equality and hashing are by value, as for Python strings.
 */
final class DataText implements CharSequence {
    final String value;
    /** Bit i set: char i came from the data. */
    final BitSet data;

    private DataText(String value, BitSet data) {
        this.value = value;
        this.data = data;
    }

    /** {@code value} with every char marked as data. */
    static Object data(String value) {
        BitSet b = new BitSet(value.length());
        b.set(0, value.length());
        return of(value, b);
    }

    /** A plain String when no char is marked, else a DataText. */
    static Object of(String value, BitSet marks) {
        if (marks == null || marks.isEmpty()) {
            return value;
        }
        return new DataText(value, marks);
    }

    static boolean isString(Object o) {
        return o instanceof String || o instanceof DataText;
    }

    /** The chars of a string value (plain or marked). */
    static String value(Object o) {
        return o instanceof DataText t ? t.value : (String) o;
    }

    /** The marks of a string value (empty for a plain String; do not modify). */
    static BitSet marks(Object o) {
        return o instanceof DataText t ? t.data : new BitSet();
    }

    static boolean anyData(Object o) {
        return o instanceof DataText;
    }

    static Object concat(Object a, Object b) {
        String va = value(a);
        String vb = value(b);
        if (!anyData(a) && !anyData(b)) {
            return va + vb;
        }
        BitSet m = (BitSet) marks(a).clone();
        BitSet mb = marks(b);
        for (int i = mb.nextSetBit(0); i >= 0; i = mb.nextSetBit(i + 1)) {
            m.set(va.length() + i);
        }
        return of(va + vb, m);
    }

    /** Chars [begin, end) with their marks. */
    static Object substring(Object s, int begin, int end) {
        String v = value(s);
        if (!anyData(s)) {
            return v.substring(begin, end);
        }
        return of(v.substring(begin, end), marks(s).get(begin, end));
    }

    /** A result computed from {@code s} char for char (same length keeps marks; otherwise all marked if any). */
    static Object derived(Object s, String result) {
        if (!anyData(s)) {
            return result;
        }
        if (result.length() == value(s).length()) {
            return of(result, (BitSet) marks(s).clone());
        }
        return data(result);
    }

    /** Python's {@code str.replace(old, new, count)} (count &lt; 0: all). */
    static Object replace(Object s, Object old, Object neu, int count) {
        String v = value(s);
        String o = value(old);
        Object out = "";
        int pos = 0;
        int done = 0;
        if (o.isEmpty()) {
            // Python puts the replacement before every char and at the end.
            int i = 0;
            while (count < 0 || done < count) {
                out = concat(out, neu);
                done++;
                if (i >= v.length()) {
                    break;
                }
                int next = v.offsetByCodePoints(i, 1);
                out = concat(out, substring(s, i, next));
                i = next;
            }
            return concat(out, substring(s, Math.min(i, v.length()), v.length()));
        }
        while (count < 0 || done < count) {
            int at = v.indexOf(o, pos);
            if (at < 0) {
                break;
            }
            out = concat(concat(out, substring(s, pos, at)), neu);
            pos = at + o.length();
            done++;
        }
        return concat(out, substring(s, pos, v.length()));
    }

    /** Python's {@code str.split(sep, maxsplit)}; a null separator splits on runs of white space. */
    static List<Object> split(Object s, Object sep, int max) {
        String v = value(s);
        List<Object> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = v.length();
            while (true) {
                while (i < n && Py.isSpace(v.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                if (max >= 0 && parts.size() == max) {
                    int end = n;
                    while (end > i && Py.isSpace(v.charAt(end - 1))) {
                        end--;
                    }
                    parts.add(substring(s, i, end));
                    break;
                }
                int j = i;
                while (j < n && !Py.isSpace(v.charAt(j))) {
                    j++;
                }
                parts.add(substring(s, i, j));
                i = j;
            }
            return parts;
        }
        String p = value(sep);
        if (p.isEmpty()) {
            throw TemplateError.of("empty separator");
        }
        int pos = 0;
        while (max < 0 || parts.size() < max) {
            int at = v.indexOf(p, pos);
            if (at < 0) {
                break;
            }
            parts.add(substring(s, pos, at));
            pos = at + p.length();
        }
        parts.add(substring(s, pos, v.length()));
        return parts;
    }

    /** Python's {@code strip}/{@code lstrip}/{@code rstrip}: chars null means white space. */
    static Object strip(Object s, Object chars, boolean left, boolean right) {
        String v = value(s);
        String cs = chars == null ? null : value(chars);
        int b = 0;
        int e = v.length();
        if (left) {
            while (b < e && stripped(v.charAt(b), cs)) {
                b++;
            }
        }
        if (right) {
            while (e > b && stripped(v.charAt(e - 1), cs)) {
                e--;
            }
        }
        return substring(s, b, e);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? Py.isSpace(c) : chars.indexOf(c) >= 0;
    }

    @Override
    public int length() {
        return value.length();
    }

    @Override
    public char charAt(int index) {
        return value.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return value.subSequence(start, end);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DataText t && t.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return value;
    }
}
