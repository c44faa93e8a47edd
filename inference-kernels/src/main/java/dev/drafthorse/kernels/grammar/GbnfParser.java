package dev.drafthorse.kernels.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads llama.cpp's GBNF: {@code name ::= alternatives} rules (a rule ends at a newline outside parentheses),
 * alternatives separated by {@code |}, sequences of string literals in double quotes, character classes in
 * brackets (ranges, {@code ^} negation), {@code .}, rule names and parenthesized groups, each optionally followed
 * by {@code *}, {@code +}, {@code ?} or {@code {m}}, {@code {m,}}, {@code {m,n}}; the escapes backslash x (2 hex
 * digits), backslash u (4), backslash U (8), t, r, n, backslash, quote and brackets; {@code #} comments. The start
 * symbol is {@code root}.
 *
 * <p>Repetitions are rewritten as llama.cpp rewrites them: the item written out {@code m} times, then a
 * right-recursive helper rule ({@code x*}) or a chain of nested optional rules ({@code n - m} more). Every error
 * names the line and column where it was found.
 */
final class GbnfParser {
    private final String text;
    private final String source;
    private int pos;
    private final Map<String, Integer> symbols = new HashMap<>();
    private final List<String> names = new ArrayList<>();
    private final List<int[]> rules = new ArrayList<>();
    private final Map<Integer, Integer> firstUse = new HashMap<>();

    GbnfParser(String text, String source) {
        this.text = text;
        this.source = source;
    }

    Grammar parse() {
        space(true);
        while (pos < text.length()) {
            rule();
        }
        for (int id = 0; id < names.size(); id++) {
            if (id >= rules.size() || rules.get(id) == null) {
                int at = firstUse.getOrDefault(id, 0);
                throw error(at, "undefined rule '" + names.get(id) + "'");
            }
        }
        Integer root = symbols.get("root");
        if (root == null) {
            throw new GrammarException(source + ": the grammar has no 'root' rule");
        }
        Grammar g = new Grammar(rules, names, root);
        LeftRecursion.check(g, source);
        return g;
    }

    private GrammarException error(int at, String problem) {
        return GrammarException.at(source, text, at, problem);
    }

    private int symbol(String name, int at) {
        Integer id = symbols.get(name);
        if (id == null) {
            id = names.size();
            symbols.put(name, id);
            names.add(name);
            firstUse.put(id, at);
        }
        return id;
    }

    private int newSymbol(String base) {
        String name = base + "_" + names.size();
        return symbol(name, pos);
    }

    private void define(int id, int[] rule) {
        while (rules.size() <= id) {
            rules.add(null);
        }
        rules.set(id, rule);
    }

    private void rule() {
        int start = pos;
        String name = name();
        if (name.isEmpty()) {
            throw error(pos, "expecting a rule name");
        }
        int id = symbol(name, start);
        if (id < rules.size() && rules.get(id) != null) {
            throw error(start, "rule '" + name + "' is defined twice");
        }
        space(false);
        if (!text.startsWith("::=", pos)) {
            throw error(pos, "expecting '::=' after rule name '" + name + "'");
        }
        pos += 3;
        space(true);
        define(id, new int[0]); // marks it defined (a rule may refer to itself)
        IntBuf out = new IntBuf();
        alternates(name, out, false);
        define(id, out.toArray());
        if (pos < text.length() && text.charAt(pos) == '\r') {
            pos++;
        }
        if (pos < text.length() && text.charAt(pos) == '\n') {
            pos++;
        } else if (pos < text.length()) {
            throw error(pos, "expecting a newline or the end of the grammar, found '" + describe(pos) + "'");
        }
        space(true);
    }

    private void alternates(String ruleName, IntBuf out, boolean nested) {
        sequence(ruleName, out, nested);
        while (pos < text.length() && text.charAt(pos) == '|') {
            out.add(Grammar.ALT, 0);
            pos++;
            space(true);
            sequence(ruleName, out, nested);
        }
        out.add(Grammar.END, 0);
    }

    private void sequence(String ruleName, IntBuf out, boolean nested) {
        int lastSymStart = out.size();
        while (pos < text.length()) {
            char c = text.charAt(pos);
            int itemAt = pos;
            if (c == '"') {
                pos++;
                lastSymStart = out.size();
                while (true) {
                    if (pos >= text.length()) {
                        throw error(itemAt, "unterminated string literal");
                    }
                    if (text.charAt(pos) == '"') {
                        pos++;
                        break;
                    }
                    if (text.charAt(pos) == '\n') {
                        throw error(pos, "newline inside a string literal");
                    }
                    out.add(Grammar.CHAR, character());
                }
            } else if (c == '[') {
                pos++;
                int first = Grammar.CHAR;
                if (pos < text.length() && text.charAt(pos) == '^') {
                    pos++;
                    first = Grammar.CHAR_NOT;
                }
                lastSymStart = out.size();
                boolean any = false;
                while (true) {
                    if (pos >= text.length()) {
                        throw error(itemAt, "unterminated character class");
                    }
                    if (text.charAt(pos) == ']') {
                        pos++;
                        break;
                    }
                    if (text.charAt(pos) == '\n') {
                        throw error(pos, "newline inside a character class");
                    }
                    int lo = character();
                    out.add(any ? Grammar.CHAR_ALT : first, lo);
                    any = true;
                    if (pos + 1 < text.length() && text.charAt(pos) == '-' && text.charAt(pos + 1) != ']') {
                        pos++;
                        int rangeAt = pos;
                        int hi = character();
                        if (hi < lo) {
                            throw error(rangeAt, "character range is backwards (" + hex(lo) + " > " + hex(hi) + ")");
                        }
                        out.add(Grammar.CHAR_RNG_UPPER, hi);
                    }
                }
                if (!any) {
                    throw error(itemAt, "empty character class");
                }
            } else if (wordChar(c)) {
                String name = name();
                lastSymStart = out.size();
                out.add(Grammar.RULE_REF, symbol(name, itemAt));
            } else if (c == '(') {
                pos++;
                space(true);
                int sub = newSymbol(ruleName);
                define(sub, new int[0]);
                IntBuf body = new IntBuf();
                alternates(ruleName, body, true);
                define(sub, body.toArray());
                lastSymStart = out.size();
                out.add(Grammar.RULE_REF, sub);
                if (pos >= text.length() || text.charAt(pos) != ')') {
                    throw error(pos, "expecting ')' to close the group opened at " + lineCol(itemAt));
                }
                pos++;
            } else if (c == '.') {
                pos++;
                lastSymStart = out.size();
                out.add(Grammar.CHAR_ANY, 0);
            } else if (c == '*' || c == '+' || c == '?') {
                if (lastSymStart == out.size()) {
                    throw error(pos, "'" + c + "' has no preceding item to repeat");
                }
                pos++;
                repeat(ruleName, out, lastSymStart, c == '+' ? 1 : 0, c == '?' ? 1 : -1);
            } else if (c == '{') {
                if (lastSymStart == out.size()) {
                    throw error(pos, "'{' has no preceding item to repeat");
                }
                pos++;
                space(false);
                int min = integer();
                int max = min;
                space(false);
                if (pos < text.length() && text.charAt(pos) == ',') {
                    pos++;
                    space(false);
                    if (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                        int maxAt = pos;
                        max = integer();
                        if (max < min) {
                            throw error(maxAt, "repetition maximum " + max + " is below its minimum " + min);
                        }
                    } else {
                        max = -1;
                    }
                    space(false);
                }
                if (pos >= text.length() || text.charAt(pos) != '}') {
                    throw error(pos, "expecting '}' to close the repetition opened at " + lineCol(itemAt));
                }
                pos++;
                repeat(ruleName, out, lastSymStart, min, max);
            } else if (c == '<') {
                throw error(pos, "token references (<[id]>, <token>) are not supported");
            } else {
                break;
            }
            space(nested);
        }
    }

    /** Rewrites out[lastSymStart..] as that item repeated min..max times (max -1: unbounded). */
    private void repeat(String ruleName, IntBuf out, int lastSymStart, int min, int max) {
        int[] item = out.slice(lastSymStart, out.size());
        out.truncate(lastSymStart);
        for (int i = 0; i < min; i++) {
            out.addAll(item);
        }
        if (max < 0) {
            // rec ::= item rec |
            int rec = newSymbol(ruleName);
            IntBuf body = new IntBuf();
            body.addAll(item);
            body.add(Grammar.RULE_REF, rec);
            body.add(Grammar.ALT, 0);
            body.add(Grammar.END, 0);
            define(rec, body.toArray());
            out.add(Grammar.RULE_REF, rec);
            return;
        }
        // opt_1 ::= item |, opt_k ::= item opt_{k-1} |
        int last = -1;
        for (int k = 0; k < max - min; k++) {
            int opt = newSymbol(ruleName);
            IntBuf body = new IntBuf();
            body.addAll(item);
            if (last >= 0) {
                body.add(Grammar.RULE_REF, last);
            }
            body.add(Grammar.ALT, 0);
            body.add(Grammar.END, 0);
            define(opt, body.toArray());
            last = opt;
        }
        if (last >= 0) {
            out.add(Grammar.RULE_REF, last);
        }
    }

    private int integer() {
        int start = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        if (start == pos) {
            throw error(pos, "expecting a number");
        }
        try {
            return Integer.parseInt(text.substring(start, pos));
        } catch (NumberFormatException e) {
            throw error(start, "number too large: " + text.substring(start, pos));
        }
    }

    /** One character of a literal or class, escapes decoded, as a code point. */
    private int character() {
        int at = pos;
        int c = text.codePointAt(pos);
        pos += Character.charCount(c);
        if (c != '\\') {
            return c;
        }
        if (pos >= text.length()) {
            throw error(at, "unfinished escape at the end of the grammar");
        }
        char e = text.charAt(pos++);
        switch (e) {
            case 'x':
                return hexDigits(2, at);
            case 'u':
                return hexDigits(4, at);
            case 'U':
                return hexDigits(8, at);
            case 't':
                return '\t';
            case 'r':
                return '\r';
            case 'n':
                return '\n';
            case '\\':
            case '"':
            case '[':
            case ']':
                return e;
            default:
                throw error(at, "unknown escape '\\" + e + "'");
        }
    }

    private int hexDigits(int n, int at) {
        if (pos + n > text.length()) {
            throw error(at, "expecting " + n + " hex digits after '" + text.substring(at, pos) + "'");
        }
        int v = 0;
        for (int i = 0; i < n; i++) {
            int d = Character.digit(text.charAt(pos + i), 16);
            if (d < 0) {
                throw error(pos + i, "expecting a hex digit, found '" + text.charAt(pos + i) + "'");
            }
            v = v * 16 + d;
        }
        pos += n;
        if (v < 0 || v > Character.MAX_CODE_POINT) {
            throw error(at, "code point out of range: " + text.substring(at, pos));
        }
        return v;
    }

    private String name() {
        int start = pos;
        while (pos < text.length() && wordChar(text.charAt(pos))) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private static boolean wordChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-';
    }

    private void space(boolean newlineOk) {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t') {
                pos++;
            } else if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\r' && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (newlineOk && (c == '\r' || c == '\n')) {
                pos++;
            } else {
                break;
            }
        }
    }

    private String lineCol(int at) {
        String m = GrammarException.at("", text, at, "").getMessage().trim();
        return m.substring(0, m.length() - 1);
    }

    private String describe(int at) {
        int c = text.codePointAt(at);
        return c < 0x20 ? hex(c) : new String(Character.toChars(c));
    }

    private static String hex(int c) {
        return String.format("U+%04X", c);
    }

    /** A growable list of (type, value) pairs. */
    static final class IntBuf {
        private int[] a = new int[16];
        private int n;

        void add(int type, int value) {
            if (n + 2 > a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = type;
            a[n++] = value;
        }

        void addAll(int[] pairs) {
            for (int i = 0; i < pairs.length; i += 2) {
                add(pairs[i], pairs[i + 1]);
            }
        }

        int size() {
            return n;
        }

        int[] slice(int from, int to) {
            return Arrays.copyOfRange(a, from, to);
        }

        void truncate(int size) {
            n = size;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
