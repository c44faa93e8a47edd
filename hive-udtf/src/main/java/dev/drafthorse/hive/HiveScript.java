package dev.drafthorse.hive;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a HiveQL script into statements at semicolons, as the Hive command line does, but without its
 * blind spots: a semicolon inside a quoted string, a backquoted name or a comment does not end a
 * statement. Comments ({@code -- …} to the end of the line) are dropped; blank statements are skipped.
 */
final class HiveScript {
    private HiveScript() {}

    /**
     * One statement and the line it starts on (1-based), for error messages.
     *
     * @param text the statement without its terminating semicolon, trimmed
     * @param line the line of the script on which it starts
     */
    record Statement(String text, int line) {}

    static List<Statement> split(String script) {
        List<Statement> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int line = 1;
        int startLine = -1;
        char quote = 0; // ', " or ` while inside one
        int n = script.length();
        for (int i = 0; i < n; i++) {
            char c = script.charAt(i);
            if (quote != 0) {
                cur.append(c);
                if (c == '\\' && quote != '`' && i + 1 < n) {
                    char next = script.charAt(++i);
                    cur.append(next);
                    if (next == '\n') {
                        line++;
                    }
                } else if (c == quote) {
                    quote = 0;
                } else if (c == '\n') {
                    line++;
                }
                continue;
            }
            if (c == '-' && i + 1 < n && script.charAt(i + 1) == '-') {
                while (i < n && script.charAt(i) != '\n') {
                    i++;
                }
                if (i < n) {
                    cur.append('\n');
                    line++;
                }
                continue;
            }
            if (c == ';') {
                add(out, cur, startLine);
                cur.setLength(0);
                startLine = -1;
                continue;
            }
            if (c == '\'' || c == '"' || c == '`') {
                quote = c;
            }
            if (startLine < 0 && !Character.isWhitespace(c)) {
                startLine = line;
            }
            cur.append(c);
            if (c == '\n') {
                line++;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException(
                    "unterminated " + quote + " quote in the statement starting on line " + startLine);
        }
        add(out, cur, startLine);
        return out;
    }

    private static void add(List<Statement> out, StringBuilder cur, int startLine) {
        String s = cur.toString().trim();
        if (!s.isEmpty()) {
            out.add(new Statement(s, startLine));
        }
    }
}
