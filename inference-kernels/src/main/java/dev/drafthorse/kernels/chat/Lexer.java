package dev.drafthorse.kernels.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts a template into text, {@code {{ expression }}} and {@code {% statement %}} chunks, applying Jinja's
 * white-space rules as Hugging Face configures them, and cuts the inside of a tag into tokens.
 *
 * <p>White space, as Jinja 3.1's lexer does it: newlines are normalized to {@code \n} and one trailing newline
 * of the template is dropped ({@code keep_trailing_newline=False}); {@code {%-}, {@code {{-}, {@code {#-}
 * strip all white space before the tag and {@code -%}}, {@code -}}}, {@code -#}} all white space after it;
 * {@code trim_blocks} drops the first newline after a statement or comment; {@code lstrip_blocks} drops the
 * spaces and tabs between the start of a line and a statement or comment ({@code {%+} keeps them,
 * {@code +%}} keeps the newline). Comments vanish.
 */
final class Lexer {
    enum Kind {
        TEXT,
        VAR,
        BLOCK
    }

    /** A piece of the template: literal text, or the source inside a tag. */
    record Chunk(Kind kind, String text, int line) {}

    enum T {
        NAME,
        INT,
        FLOAT,
        STRING,
        OP,
        EOF
    }

    /** A token inside a tag. */
    record Token(T type, String text, int line) {
        boolean is(String op) {
            return (type == T.OP || type == T.NAME) && text.equals(op);
        }
    }

    private static final Pattern ENDRAW = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*([-+]?)%\\}");

    private Lexer() {}

    static List<Chunk> chunks(String source) {
        String src = source.replace("\r\n", "\n").replace('\r', '\n');
        if (src.endsWith("\n")) {
            src = src.substring(0, src.length() - 1);
        }
        List<Chunk> out = new ArrayList<>();
        int pos = 0;
        boolean lineStarting = true;
        boolean stripNext = false;
        while (pos <= src.length()) {
            int open = nextOpener(src, pos);
            String text = src.substring(pos, open < 0 ? src.length() : open);
            if (stripNext) {
                int k = 0;
                while (k < text.length() && Py.isSpace(text.charAt(k))) {
                    k++;
                }
                text = text.substring(k);
                stripNext = false;
            }
            if (open < 0) {
                add(out, text, src, pos);
                break;
            }
            char kind = src.charAt(open + 1);
            char sign = open + 2 < src.length() ? src.charAt(open + 2) : 0;
            if (sign == '-') {
                text = rstrip(text);
            } else if (sign != '+' && kind != '{') {
                int l = text.lastIndexOf('\n') + 1;
                if ((l > 0 || lineStarting) && l < text.length() && onlySpace(text, l)) {
                    text = text.substring(0, l);
                }
            }
            add(out, text, src, pos);
            int innerStart = open + 2 + (sign == '-' || sign == '+' ? 1 : 0);
            String closer = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
            int close = kind == '#' ? src.indexOf(closer, innerStart) : findClose(src, innerStart, closer);
            if (close < 0) {
                throw TemplateError.of(
                        "line " + line(src, open) + ": unclosed '" + src.substring(open, open + 2) + "'");
            }
            int innerEnd = close;
            char endSign = close > innerStart ? src.charAt(close - 1) : 0;
            if (endSign == '-' || (endSign == '+' && kind != '{')) {
                innerEnd--;
            }
            String inner = src.substring(innerStart, innerEnd);
            if (kind == '%' && inner.trim().equals("raw")) {
                // {% raw %}…{% endraw %}: the text as written; no newline trimmed after the opening tag (as Jinja).
                pos = close + 2;
                if (endSign == '-') {
                    while (pos < src.length() && Py.isSpace(src.charAt(pos))) {
                        pos++;
                    }
                }
                Matcher m = ENDRAW.matcher(src);
                if (!m.find(pos)) {
                    throw TemplateError.of("line " + line(src, open) + ": missing {% endraw %}");
                }
                String raw = src.substring(pos, m.start());
                add(out, m.group(1).equals("-") ? rstrip(raw) : raw, src, pos);
                close = m.end() - 2;
                endSign = m.group(2).isEmpty() ? 0 : m.group(2).charAt(0);
            } else if (kind != '#') {
                out.add(new Chunk(kind == '{' ? Kind.VAR : Kind.BLOCK, inner, line(src, open)));
            }
            pos = close + 2;
            lineStarting = false;
            if (endSign == '-') {
                stripNext = true;
                int k = pos;
                while (k < src.length() && Py.isSpace(src.charAt(k))) {
                    k++;
                }
                lineStarting = k > pos && src.charAt(k - 1) == '\n';
            } else if (endSign != '+' && kind != '{' && pos < src.length() && src.charAt(pos) == '\n') {
                pos++;
                lineStarting = true;
            }
            if (pos == src.length()) {
                break;
            }
        }
        return out;
    }

    private static void add(List<Chunk> out, String text, String src, int pos) {
        if (!text.isEmpty()) {
            out.add(new Chunk(Kind.TEXT, text, line(src, pos)));
        }
    }

    private static int nextOpener(String src, int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /**
     * The closer's position, skipping quoted strings and bracketed expressions inside the tag (so the
     * {@code }}} that ends a dict literal does not end the tag, as in Jinja's lexer).
     */
    private static int findClose(String src, int from, String closer) {
        int i = from;
        int depth = 0;
        while (i < src.length()) {
            char c = src.charAt(i);
            if (c == '\'' || c == '"') {
                i = endOfString(src, i);
                continue;
            }
            if (depth == 0 && src.startsWith(closer, i)) {
                return i;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                depth--;
            }
            i++;
        }
        return -1;
    }

    /** The index after the string literal that opens at {@code i}. */
    private static int endOfString(String src, int i) {
        char q = src.charAt(i);
        int j = i + 1;
        while (j < src.length()) {
            char c = src.charAt(j);
            if (c == '\\') {
                j += 2;
                continue;
            }
            if (c == q) {
                return j + 1;
            }
            j++;
        }
        throw TemplateError.of("line " + line(src, i) + ": unterminated string");
    }

    private static boolean onlySpace(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Py.isSpace(c)) {
                return false;
            }
        }
        return true;
    }

    private static String rstrip(String s) {
        int e = s.length();
        while (e > 0 && Py.isSpace(s.charAt(e - 1))) {
            e--;
        }
        return s.substring(0, e);
    }

    static int line(String src, int pos) {
        int n = 1;
        for (int i = 0; i < pos && i < src.length(); i++) {
            if (src.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Tokens inside a tag

    private static final String[] OPS = {
        "**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}",
        ",", ".", ":", "|"
    };

    static List<Token> tokens(String s, int line) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c == '\'' || c == '"') {
                int end = endOfString(s, i);
                out.add(new Token(T.STRING, unescape(s.substring(i + 1, end - 1)), line));
                i = end;
                continue;
            }
            if (Character.isDigit(c)) {
                int j = i;
                boolean isFloat = false;
                while (j < s.length() && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
                if (j + 1 < s.length() && s.charAt(j) == '.' && Character.isDigit(s.charAt(j + 1))) {
                    isFloat = true;
                    j++;
                    while (j < s.length() && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                        j++;
                    }
                }
                if (j < s.length() && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
                    int k = j + 1;
                    if (k < s.length() && (s.charAt(k) == '+' || s.charAt(k) == '-')) {
                        k++;
                    }
                    if (k < s.length() && Character.isDigit(s.charAt(k))) {
                        isFloat = true;
                        j = k;
                        while (j < s.length() && Character.isDigit(s.charAt(j))) {
                            j++;
                        }
                    }
                }
                out.add(new Token(isFloat ? T.FLOAT : T.INT, s.substring(i, j).replace("_", ""), line));
                i = j;
                continue;
            }
            if (Character.isLetter(c) || c == '_') {
                int j = i;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
                out.add(new Token(T.NAME, s.substring(i, j), line));
                i = j;
                continue;
            }
            String op = null;
            for (String o : OPS) {
                if (s.startsWith(o, i)) {
                    op = o;
                    break;
                }
            }
            if (op == null) {
                throw TemplateError.of("line " + line + ": unexpected character '" + c + "'");
            }
            out.add(new Token(T.OP, op, line));
            i += op.length();
        }
        out.add(new Token(T.EOF, "", line));
        return out;
    }

    /** Python's string-literal escapes ({@code unicode-escape}); unknown escapes stay as written. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                b.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'v' -> b.append('\u000b');
                case 'a' -> b.append('\u0007');
                case '0' -> b.append('\0');
                case '\\' -> b.append('\\');
                case '\'' -> b.append('\'');
                case '"' -> b.append('"');
                case '\n' -> {}
                case 'x', 'u', 'U' -> {
                    int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (isHex(s, i + 1, n)) {
                        b.appendCodePoint(Integer.parseInt(s.substring(i + 1, i + 1 + n), 16));
                        i += n;
                    } else {
                        b.append('\\').append(e);
                    }
                }
                default -> b.append('\\').append(e);
            }
        }
        return b.toString();
    }

    private static boolean isHex(String s, int from, int n) {
        if (from + n > s.length()) {
            return false;
        }
        for (int k = from; k < from + n; k++) {
            if (Character.digit(s.charAt(k), 16) < 0) {
                return false;
            }
        }
        return true;
    }
}
