package dev.drafthorse.rows;

import java.util.Locale;

/**
 * Strings that JSON can carry and UTF-8 cannot: lone surrogates.
 *
 * <p>JSON lets a string hold any UTF-16 code unit through a backslash-u escape, so an id such as
 * backslash-u-d800 is valid input. UTF-8 has no encoding for a surrogate that is not half of a pair: a lenient
 * encoder writes {@code ?} (Hadoop's {@code Text}), a strict one throws mid-line. The contract is that ids and texts
 * round-trip exactly and a row that cannot be represented is rejected, never rewritten. So output JSON writes each
 * lone surrogate as its escape (the same string, byte-for-byte encodable), and text a tokenizer or a TSV writer
 * would have to rewrite (prompts, messages, candidates, stop strings; ids bound for TSV) is refused with its place.
 */
public final class JsonText {
    private JsonText() {}

    /** The index of the first lone surrogate of {@code s}, or -1 when {@code s} is well-formed UTF-16. */
    public static int loneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * {@code json} (a serialized document) with every lone surrogate written as its backslash-u escape. A raw
     * surrogate can only appear inside a string literal of a serialized document, where the escape stands for the
     * same code unit, so the document's value is unchanged and it now encodes to UTF-8 exactly.
     */
    public static String escapeLoneSurrogates(String json) {
        int first = loneSurrogate(json);
        if (first < 0) {
            return json;
        }
        StringBuilder b = new StringBuilder(json.length() + 12).append(json, 0, first);
        for (int i = first; i < json.length(); i++) {
            char c = json.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < json.length() && Character.isLowSurrogate(json.charAt(i + 1))) {
                b.append(c).append(json.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                b.append(escape(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * Refuses a field holding a lone surrogate, naming the field, the code unit and where it is.
     *
     * @throws IllegalArgumentException e.g. "prompt holds a lone surrogate (backslash-u-d800) at char 3: not Unicode text"
     */
    public static void requireUnicode(String field, String value) {
        int at = loneSurrogate(value);
        if (at >= 0) {
            throw new IllegalArgumentException(field + " holds a lone surrogate " + escape(value.charAt(at))
                    + " at char " + at + ": not Unicode text, so it cannot be tokenized or written as UTF-8");
        }
    }

    private static String escape(char c) {
        return String.format(Locale.ROOT, "\\u%04x", (int) c);
    }
}
