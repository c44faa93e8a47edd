package dev.drafthorse.hive;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A prompt template: text with {@code {name}} placeholders, {@code {{} and {@code }}} for literal braces.
 * Names are Hive identifiers ({@code [A-Za-z_][A-Za-z0-9_]*}); anything else in braces, and an unmatched
 * brace, is an error naming its position, so that a typo is not sent to a model as text.
 */
final class PromptTemplate {
    private final String source;
    /** Literal text: before placeholder 0, between placeholders, after the last; one more than names. */
    private final String[] literals;

    private final String[] names;

    private PromptTemplate(String source, String[] literals, String[] names) {
        this.source = source;
        this.literals = literals;
        this.names = names;
    }

    /** @throws IllegalArgumentException for a malformed template, naming the character position (1-based) */
    static PromptTemplate parse(String template) {
        List<String> lits = new ArrayList<>();
        List<String> names = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int n = template.length();
        for (int i = 0; i < n; i++) {
            char c = template.charAt(i);
            if (c == '{') {
                if (i + 1 < n && template.charAt(i + 1) == '{') {
                    lit.append('{');
                    i++;
                    continue;
                }
                int close = template.indexOf('}', i + 1);
                String name = close < 0 ? null : template.substring(i + 1, close);
                if (name == null || !isName(name)) {
                    String shown =
                            close < 0 ? template.substring(i, Math.min(n, i + 20)) : template.substring(i, close + 1);
                    throw new IllegalArgumentException(
                            "bad placeholder '" + shown + "' at character " + (i + 1)
                                    + ": a placeholder is {name} with letters, digits and _ (write {{ and }} for literal braces)");
                }
                lits.add(lit.toString());
                lit.setLength(0);
                names.add(name);
                i = close;
            } else if (c == '}') {
                if (i + 1 < n && template.charAt(i + 1) == '}') {
                    lit.append('}');
                    i++;
                    continue;
                }
                throw new IllegalArgumentException(
                        "unmatched '}' at character " + (i + 1) + " (write }} for a literal })");
            } else {
                lit.append(c);
            }
        }
        lits.add(lit.toString());
        return new PromptTemplate(template, lits.toArray(String[]::new), names.toArray(String[]::new));
    }

    private static boolean isName(String s) {
        if (s.isEmpty() || !(Character.isLetter(s.charAt(0)) && s.charAt(0) < 128 || s.charAt(0) == '_')) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c < 128 && (Character.isLetterOrDigit(c) || c == '_'))) {
                return false;
            }
        }
        return true;
    }

    String source() {
        return source;
    }

    /** The placeholder names in order of appearance (with repeats). */
    List<String> placeholders() {
        return List.of(names);
    }

    /**
     * Appends the filled template to {@code out}.
     *
     * @param values a placeholder's text, or null when it has none
     * @return -1 when every placeholder was filled, else the index of the first that was not (see {@link #name})
     */
    int render(Function<String, String> values, StringBuilder out) {
        out.append(literals[0]);
        for (int i = 0; i < names.length; i++) {
            String v = values.apply(names[i]);
            if (v == null) {
                return i;
            }
            out.append(v).append(literals[i + 1]);
        }
        return -1;
    }

    String name(int placeholder) {
        return names[placeholder];
    }
}
