package dev.drafthorse.kernels.grammar;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader for schemas: objects keep their key order ({@link LinkedHashMap}), numbers keep their text
 * ({@link Num}), {@code null} is {@link #NULL}. Errors name the line and column. {@link #dump} writes a value
 * compactly, as nlohmann::json's {@code dump()} does, for the literals of {@code const} and {@code enum}.
 */
final class Json {
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** A number with its source text. */
    record Num(String text) {
        boolean isInteger() {
            return text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
        }

        BigDecimal value() {
            return new BigDecimal(text);
        }
    }

    private final String text;
    private final String source;
    private int pos;

    private Json(String text, String source) {
        this.text = text;
        this.source = source;
    }

    static Object parse(String text, String source) {
        Json j = new Json(text, source);
        j.ws();
        Object v = j.value();
        j.ws();
        if (j.pos < text.length()) {
            throw j.error("unexpected text after the JSON value");
        }
        return v;
    }

    private GrammarException error(String problem) {
        return GrammarException.at(source, text, pos, problem);
    }

    private void ws() {
        while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
    }

    private Object value() {
        if (pos >= text.length()) {
            throw error("unexpected end of JSON");
        }
        char c = text.charAt(pos);
        if (c == '{') {
            pos++;
            Map<String, Object> m = new LinkedHashMap<>();
            ws();
            if (peek('}')) {
                pos++;
                return m;
            }
            while (true) {
                ws();
                if (!peek('"')) {
                    throw error("expecting a string key");
                }
                int keyAt = pos;
                String k = string();
                ws();
                expect(':');
                ws();
                Object v = value();
                if (m.containsKey(k)) {
                    pos = keyAt;
                    throw error("duplicate key \"" + k + "\"");
                }
                m.put(k, v);
                ws();
                if (peek(',')) {
                    pos++;
                    continue;
                }
                expect('}');
                return m;
            }
        }
        if (c == '[') {
            pos++;
            List<Object> l = new ArrayList<>();
            ws();
            if (peek(']')) {
                pos++;
                return l;
            }
            while (true) {
                ws();
                l.add(value());
                ws();
                if (peek(',')) {
                    pos++;
                    continue;
                }
                expect(']');
                return l;
            }
        }
        if (c == '"') {
            return string();
        }
        if (text.startsWith("true", pos)) {
            pos += 4;
            return Boolean.TRUE;
        }
        if (text.startsWith("false", pos)) {
            pos += 5;
            return Boolean.FALSE;
        }
        if (text.startsWith("null", pos)) {
            pos += 4;
            return NULL;
        }
        if (c == '-' || c >= '0' && c <= '9') {
            int start = pos;
            if (peek('-')) {
                pos++;
            }
            digits();
            if (peek('.')) {
                pos++;
                digits();
            }
            if (peek('e') || peek('E')) {
                pos++;
                if (peek('+') || peek('-')) {
                    pos++;
                }
                digits();
            }
            return new Num(text.substring(start, pos));
        }
        throw error("unexpected character '" + c + "'");
    }

    private void digits() {
        int start = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        if (start == pos) {
            throw error("expecting a digit");
        }
    }

    private String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("control character in a string");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= text.length()) {
                throw error("unterminated escape");
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw error("expecting 4 hex digits");
                    }
                    try {
                        sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw error("expecting 4 hex digits");
                    }
                    pos += 4;
                }
                default -> {
                    pos -= 2;
                    throw error("unknown escape '\\" + e + "'");
                }
            }
        }
    }

    private boolean peek(char c) {
        return pos < text.length() && text.charAt(pos) == c;
    }

    private void expect(char c) {
        if (!peek(c)) {
            throw error("expecting '" + c + "'");
        }
        pos++;
    }

    /** Compact JSON text of a value, strings escaped as nlohmann::json escapes them. */
    static String dump(Object v) {
        StringBuilder sb = new StringBuilder();
        dump(v, sb);
        return sb.toString();
    }

    @SuppressWarnings("unchecked")
    private static void dump(Object v, StringBuilder sb) {
        if (v instanceof String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\b' -> sb.append("\\b");
                    case '\f' -> sb.append("\\f");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            sb.append(String.format("\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            sb.append('"');
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                dump(e.getKey(), sb);
                sb.append(':');
                dump(e.getValue(), sb);
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                dump(l.get(i), sb);
            }
            sb.append(']');
        } else if (v instanceof Num n) {
            sb.append(n.text());
        } else {
            sb.append(v); // true, false, null
        }
    }
}
