package dev.drafthorse.kernels.tokenizer;

import java.io.ByteArrayOutputStream;

/**
 * UTF-8 helpers with the exact, chunk-independent error handling the decoders need.
 *
 * <p>Tokens are byte strings: a byte-fallback token ({@code <0xE2>}) or a byte-level BPE token can hold part of
 * a character, and a model may emit byte sequences that never become valid UTF-8. Text is therefore assembled
 * as bytes and decoded here. Ill-formed input becomes U+FFFD using the Unicode "maximal subpart" practice: the
 * longest prefix of a valid sequence is replaced by one U+FFFD, and a byte that cannot start a sequence by one
 * U+FFFD of its own. A sequence never extends over a byte that is not a continuation byte ({@code 10xxxxxx}),
 * so decoding two chunks split just before such a byte gives the same text as decoding them joined. The
 * streaming decoder relies on that to print text as soon as it is complete.
 */
final class Utf8 {
    private Utf8() {}

    /** The code points of {@code s}, with unpaired surrogates replaced by U+FFFD (they have no UTF-8 form). */
    static int[] codePoints(String s) {
        int[] cps = s.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            if (cps[i] >= 0xD800 && cps[i] <= 0xDFFF) {
                cps[i] = 0xFFFD;
            }
        }
        return cps;
    }

    /** {@code s} as UTF-8, unpaired surrogates encoded as U+FFFD. */
    static byte[] encode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() + 8);
        for (int cp : codePoints(s)) {
            append(out, cp);
        }
        return out.toByteArray();
    }

    /** Appends the UTF-8 encoding of the code point {@code cp}. */
    static void append(ByteArrayOutputStream out, int cp) {
        if (cp < 0x80) {
            out.write(cp);
        } else if (cp < 0x800) {
            out.write(0xC0 | (cp >> 6));
            out.write(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out.write(0xE0 | (cp >> 12));
            out.write(0x80 | ((cp >> 6) & 0x3F));
            out.write(0x80 | (cp & 0x3F));
        } else {
            out.write(0xF0 | (cp >> 18));
            out.write(0x80 | ((cp >> 12) & 0x3F));
            out.write(0x80 | ((cp >> 6) & 0x3F));
            out.write(0x80 | (cp & 0x3F));
        }
    }

    static boolean isContinuation(byte b) {
        return (b & 0xC0) == 0x80;
    }

    /** Decodes {@code bytes[from, to)}, replacing each maximal ill-formed subpart by U+FFFD. */
    static String decode(byte[] bytes, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        int i = from;
        while (i < to) {
            int b0 = bytes[i] & 0xFF;
            if (b0 < 0x80) {
                sb.append((char) b0);
                i++;
                continue;
            }
            int need;
            int cp;
            int lo = 0x80;
            int hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
                cp = b0 & 0x1F;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                cp = b0 & 0x0F;
                if (b0 == 0xE0) {
                    lo = 0xA0; // no overlong forms
                } else if (b0 == 0xED) {
                    hi = 0x9F; // no surrogates
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                cp = b0 & 0x07;
                if (b0 == 0xF0) {
                    lo = 0x90;
                } else if (b0 == 0xF4) {
                    hi = 0x8F; // nothing beyond U+10FFFF
                }
            } else {
                sb.append('\uFFFD'); // C0, C1, F5..FF, or a stray continuation byte
                i++;
                continue;
            }
            int j = i + 1;
            int got = 0;
            while (got < need && j < to) {
                int b = bytes[j] & 0xFF;
                int min = got == 0 ? lo : 0x80;
                int max = got == 0 ? hi : 0xBF;
                if (b < min || b > max) {
                    break;
                }
                cp = (cp << 6) | (b & 0x3F);
                got++;
                j++;
            }
            if (got == need) {
                sb.appendCodePoint(cp);
            } else {
                sb.append('\uFFFD');
            }
            i = j;
        }
        return sb.toString();
    }

    static String decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    /**
     * The end of the longest prefix of {@code bytes[from, to)} that can be decoded now: everything except a
     * trailing sequence that is still a valid, incomplete prefix of a character (more bytes may complete it).
     */
    static int completePrefix(byte[] bytes, int from, int to) {
        // A character is at most 4 bytes, so only the last 3 bytes can belong to an unfinished one.
        for (int start = to - 1; start >= Math.max(from, to - 3); start--) {
            int b0 = bytes[start] & 0xFF;
            if (isContinuation(bytes[start])) {
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                lo = b0 == 0xE0 ? 0xA0 : 0x80;
                hi = b0 == 0xED ? 0x9F : 0xBF;
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                lo = b0 == 0xF0 ? 0x90 : 0x80;
                hi = b0 == 0xF4 ? 0x8F : 0xBF;
            } else {
                return to; // ASCII or a byte that can never start a sequence: nothing to wait for
            }
            int have = to - start - 1;
            if (have >= need) {
                return to;
            }
            for (int k = 0; k < have; k++) {
                int b = bytes[start + 1 + k] & 0xFF;
                int min = k == 0 ? lo : 0x80;
                int max = k == 0 ? hi : 0xBF;
                if (b < min || b > max) {
                    return to; // already ill-formed: more bytes cannot change how it decodes
                }
            }
            return start; // a valid but unfinished character: hold it back
        }
        return to;
    }
}
