package dev.drafthorse.kernels.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into the words that byte-level BPE merges within, exactly as llama.cpp's
 * {@code unicode_regex_split} does for the pre-tokenizer named in {@code tokenizer.ggml.pre}.
 *
 * <p>A pre-tokenizer is a list of steps applied in turn; each step splits every current piece further into the
 * pieces a regular expression matches and the gaps between them (gaps are kept as pieces too). llama.cpp runs
 * each step in one of three ways, and so does this class, because the three give different answers outside
 * ASCII:
 * <ul>
 *   <li><b>Hand-written splitters</b> for the two most common expressions (GPT-2's and Llama 3's). They consult
 *   the Unicode table of {@link UnicodeFlags}, and their corner cases are llama.cpp's, not a regex engine's:
 *   for instance {@code \s+(?!\S)} leaves the last white-space character of a run for the next word only when
 *   the run is followed by something, and Llama 3's contractions are matched case-insensitively.</li>
 *   <li><b>Collapsed regex</b> for any other expression that uses {@code \p{..}} classes: every code point at or
 *   above 128 is first replaced by one placeholder per category (white space by U+000B), and the expression's
 *   {@code \p{L}}, {@code \p{N}}, {@code \p{P}}, {@code \p{S}}, {@code \p{M}} by the placeholder plus the ASCII
 *   members of that category as llama.cpp defines them (so ASCII {@code ~} is neither punctuation nor symbol).
 *   A C++ {@code std::regex} then runs on that text; Java's engine gives the same matches for these expressions
 *   (ordered alternation, greedy quantifiers with backtracking, {@code \s} = {@code [ \t\n\x0B\f\r]}).</li>
 *   <li><b>Wide regex</b> for expressions without {@code \p{..}}: the expression runs on the code points
 *   themselves, with non-ASCII white space replaced by U+000B.</li>
 * </ul>
 * A lookahead never sees past the piece being split, as in llama.cpp.
 */
final class PreTokenizer {
    private final String name;
    private final List<Step> steps;
    /** llama.cpp's {@code clean_spaces}: detokenizing removes the space before {@code ?!.,} and in contractions. */
    final boolean cleanSpaces;
    /** llama.cpp's {@code ignore_merges}: a word that is itself a token is emitted whole, without merging. */
    final boolean ignoreMerges;
    /** The default of {@code tokenizer.ggml.add_bos_token} for this pre-tokenizer. */
    final boolean addBos;
    /** The pre-tokenizer's model has no BOS token unless the file names one. */
    final boolean noBos;

    private PreTokenizer(
            String name, List<Step> steps, boolean cleanSpaces, boolean ignoreMerges, boolean addBos, boolean noBos) {
        this.name = name;
        this.steps = steps;
        this.cleanSpaces = cleanSpaces;
        this.ignoreMerges = ignoreMerges;
        this.addBos = addBos;
        this.noBos = noBos;
    }

    String name() {
        return name;
    }

    /** One splitting step: splits {@code cps[from, to)} and appends the piece lengths to {@code out}. */
    private interface Step {
        void split(int[] cps, int from, int to, List<Integer> out);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The expressions, written as in llama.cpp's llama-vocab.cpp so they can be compared side by side.

    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    static final String LLAMA3 =
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
                    + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN2 =
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
                    + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN35 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String SEED_CODER =
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
                    + "|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String BAILINGMOE = "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";
    static final String UFAKZEKA =
            "[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String MINICPM5 =
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
                    + "|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String DEEPSEEK3_WORDS = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+"
            + "|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String CJK = "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+";
    static final String BLOOM = " ?[^(\\s|.,!?\u2026\u3002\uff0c\u3001\u0964\u06d4\u060c)]+";
    /** deepseek-llm's cased letters (Lu, Ll, Lt and a few more), spelled as ranges like its tokenizer.json. */
    static final String DEEPSEEK_LLM_LETTERS = "\\s?[A-Za-z\u00b5\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u01ba\u01bc-\u01bf"
            + "\u01c4-\u0293\u0295-\u02af\u0370-\u0373\u0376\u0377\u037b-\u037d\u037f\u0386\u0388-\u038a\u038c"
            + "\u038e-\u03a1\u03a3-\u03f5\u03f7-\u0481\u048a-\u052f\u0531-\u0556\u10a0-\u10c5\u13a0-\u13f5"
            + "\u13f8-\u13fd\u1c90-\u1cba\u1cbd-\u1cbf\u1d00-\u1d2b\u1d6b-\u1d77\u1d79-\u1d9a\u1e00-\u1f15"
            + "\u1f18-\u1f1d\u1f20-\u1f45\u1f48-\u1f4d\u1f50-\u1f57\u1f59\u1f5b\u1f5d\u1f5f-\u1f7d\u1f80-\u1fb4"
            + "\u1fb6-\u1fbc\u1fbe\u1fc2-\u1fc4\u1fc6-\u1fcc\u1fd0-\u1fd3\u1fd6-\u1fdb\u1fe0-\u1fec\u1ff2-\u1ff4"
            + "\u1ff6-\u1ffc\u2102\u2107\u210a-\u2113\u2115\u2119-\u211d\u2124\u2126\u2128\u212a-\u212d"
            + "\u212f-\u2134\u2139\u213c-\u213f\u2145-\u2149\u214e\u2183\u2184\u2c00-\u2c7b\u2c7e-\u2ce4"
            + "\u2ceb-\u2cee\u2cf2\u2cf3\ua640-\ua66d\ua680-\ua69b\ua722-\ua76f\ua771-\ua787\ua78b-\ua78e"
            + "\uab70-\uabbf\ufb00-\ufb06\ufb13-\ufb17\uff21-\uff3a\uff41-\uff5a"
            + "\\x{10400}-\\x{1044f}\\x{104b0}-\\x{104d3}\\x{104d8}-\\x{104fb}\\x{10c80}-\\x{10cb2}"
            + "\\x{10cc0}-\\x{10cf2}\\x{118a0}-\\x{118df}\\x{1e900}-\\x{1e943}]+";

    static final String DEEPSEEK_LLM_PUNCT = "\\s?[!-/:-~\uff01-\uff0f\uff1a-\uff5e\u2018-\u201f\u3000-\u3002]+";

    /** The pre-tokenizer for {@code tokenizer.ggml.pre} = {@code pre}, or null if it is not supported. */
    static PreTokenizer forName(String pre) {
        List<Step> s = new ArrayList<>();
        switch (pre) {
            case "", "default" -> {
                s.add(regex("[\\p{P}\\$\\+<=>\\^~\\|]+"));
                s.add(regex(GPT2));
                s.add(regex("\\p{N}+"));
                s.add(regex("[0-9][0-9][0-9]"));
            }
            case "llama3",
                    "llama-v3",
                    "llama-bpe",
                    "falcon3",
                    "falcon-h1",
                    "pixtral",
                    "midm-2.0",
                    "lfm2",
                    "jina-v5-nano",
                    "dbrx",
                    "smaug-bpe",
                    "glm4",
                    "chatglm-bpe" -> s.add(regex(LLAMA3));
            case "deepseek-llm" -> {
                s.add(regex("[\r\n]"));
                s.add(regex(DEEPSEEK_LLM_LETTERS));
                s.add(regex(DEEPSEEK_LLM_PUNCT));
                s.add(regex("\\s+$"));
                s.add(regex(CJK));
                s.add(regex("\\p{N}+"));
            }
            case "deepseek-coder" -> {
                s.add(regex("[\r\n]"));
                s.add(regex("\\s?\\p{L}+"));
                s.add(regex("\\s?\\p{P}+"));
                s.add(regex(CJK));
                s.add(regex("\\p{N}"));
            }
            case "deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4" -> {
                s.add(regex("\\p{N}{1,3}"));
                s.add(regex("[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+"));
                s.add(regex(DEEPSEEK3_WORDS));
            }
            case "falcon" -> {
                s.add(regex("[\\p{P}\\$\\+<=>\\^~\\|`]+"));
                s.add(regex(GPT2));
                s.add(regex("[0-9][0-9][0-9]"));
            }
            case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b", "mellum2" -> {
                s.add(regex("\\p{N}"));
                s.add(regex(GPT2));
            }
            case "gpt-2",
                    "phi-2",
                    "jina-es",
                    "jina-de",
                    "gigachat",
                    "jina-v2-es",
                    "jina-v2-de",
                    "a.x-4.0",
                    "mellum",
                    "modern-bert",
                    "jina-v1-en",
                    "jina-v2-code",
                    "roberta-bpe",
                    "mpt",
                    "olmo",
                    "jais",
                    "exaone4",
                    "trillion",
                    "granite-docling" -> s.add(regex(GPT2));
            case "qwen2",
                    "deepseek-r1-qwen",
                    "kormo",
                    "f2llmv2",
                    "megrez",
                    "stablelm2",
                    "hunyuan",
                    "solar-open",
                    "grok-2" -> s.add(regex(QWEN2));
            case "qwen35" -> s.add(regex(QWEN35));
            case "seed-coder" -> s.add(regex(SEED_CODER));
            case "bailingmoe", "bailingmoe2", "llada-moe" -> s.add(regex(BAILINGMOE));
            case "ufakzeka" -> s.add(regex(UFAKZEKA));
            case "minicpm5" -> {
                s.add(regex("\\p{N}{1,3}"));
                s.add(regex(MINICPM5));
            }
            case "poro-chat", "bloom", "gpt3-finnish" -> s.add(regex(BLOOM));
            case "viking" -> {
                s.add(regex(BLOOM));
                s.add(regex("\\p{N}"));
            }
            default -> {
                return null;
            }
        }
        // Per-name settings, as llama.cpp's llama_vocab::impl::load sets them (clean_spaces defaults to true).
        boolean clean = !switch (pre) {
            case "deepseek-llm",
                    "deepseek-coder",
                    "deepseek-v3",
                    "hunyuan-dense",
                    "joyai-llm",
                    "hy_v4",
                    "command-r",
                    "smollm",
                    "trillion",
                    "granite-docling",
                    "qwen2",
                    "deepseek-r1-qwen",
                    "kormo",
                    "f2llmv2",
                    "hunyuan",
                    "solar-open",
                    "grok-2",
                    "qwen35",
                    "seed-coder",
                    "bailingmoe",
                    "bailingmoe2",
                    "llada-moe",
                    "ufakzeka",
                    "poro-chat",
                    "viking" -> true;
            default -> false;
        };
        boolean llama3 = switch (pre) {
            case "llama3",
                    "llama-v3",
                    "llama-bpe",
                    "falcon3",
                    "falcon-h1",
                    "pixtral",
                    "midm-2.0",
                    "lfm2",
                    "jina-v5-nano" -> true;
            default -> false;
        };
        boolean ignoreMerges = llama3 || pre.equals("minicpm5");
        boolean noBos = pre.equals("glm4") || pre.equals("chatglm-bpe");
        return new PreTokenizer(pre.isEmpty() ? "default" : pre, List.copyOf(s), clean, ignoreMerges, llama3, noBos);
    }

    /** The names {@link #forName} accepts, for error messages. */
    static String supportedNames() {
        return "default, gpt-2 (and phi-2, mpt, olmo, jais, exaone4, …), llama-bpe (llama3, dbrx, smaug-bpe, glm4, …), "
                + "qwen2 (deepseek-r1-qwen, stablelm2, megrez, …), qwen35, deepseek-coder, deepseek-llm, deepseek-v3, "
                + "falcon, starcoder (refact, command-r, smollm, codeshell, exaone, minerva-7b, …), seed-coder, "
                + "bailingmoe, ufakzeka, minicpm5, bloom, poro-chat, gpt3-finnish, viking";
    }

    /** Splits {@code cps} into words; returns their lengths in code points, in order. */
    List<Integer> split(int[] cps) {
        List<Integer> offsets = new ArrayList<>();
        if (cps.length == 0) {
            return offsets;
        }
        offsets.add(cps.length);
        for (Step step : steps) {
            List<Integer> next = new ArrayList<>(offsets.size() * 2);
            int start = 0;
            for (int len : offsets) {
                step.split(cps, start, start + len, next);
                start += len;
            }
            offsets = next;
        }
        return offsets;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Step construction

    private static Step regex(String expr) {
        if (expr.equals(GPT2)) {
            return PreTokenizer::splitGpt2;
        }
        if (expr.equals(LLAMA3)) {
            return PreTokenizer::splitLlama3;
        }
        if (expr.contains("\\p{")) {
            Pattern p = Pattern.compile(collapse(expr));
            return (cps, from, to, out) -> splitRegex(p, collapsedText(cps, from, to), null, out);
        }
        Pattern p = Pattern.compile(expr.endsWith("$") ? expr.substring(0, expr.length() - 1) + "\\z" : expr);
        return (cps, from, to, out) -> {
            int[] charToCp = new int[2 * (to - from) + 1];
            String text = wideText(cps, from, to, charToCp);
            splitRegex(p, text, charToCp, out);
        };
    }

    /** Placeholders for the categories of code points at or above 128 in collapsed text. */
    private static final char OTHER = '\u00D0';

    private static final char NUMBER = '\u00D1';
    private static final char LETTER = '\u00D2';
    private static final char PUNCT = '\u00D3';
    private static final char MARK = '\u00D4';
    private static final char SYMBOL = '\u00D5';

    /** What each {@code \p{..}} class becomes inside brackets: its placeholder plus its ASCII members. */
    private static String classBody(String name) {
        return switch (name) {
            case "N" -> NUMBER + "0-9";
            case "L", "Lu", "Ll", "Lt", "Lm", "Lo" -> LETTER + "A-Za-z";
            case "P" -> PUNCT + "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}";
            case "M" -> String.valueOf(MARK);
            case "S" -> SYMBOL + "\\$\\+<->\\^`\\|";
            default -> throw new IllegalArgumentException("unsupported class \\p{" + name + "}");
        };
    }

    /** Rewrites {@code \p{..}} classes for collapsed text, inside or outside brackets. */
    static String collapse(String expr) {
        StringBuilder sb = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (c == '\\'
                    && i + 1 < expr.length()
                    && expr.charAt(i + 1) == 'p'
                    && i + 2 < expr.length()
                    && expr.charAt(i + 2) == '{') {
                int close = expr.indexOf('}', i + 3);
                String body = classBody(expr.substring(i + 3, close));
                sb.append(inside ? body : "[" + body + "]");
                i = close;
                continue;
            }
            if (c == '\\' && i + 1 < expr.length()) {
                sb.append(c).append(expr.charAt(i + 1));
                i++;
                continue;
            }
            if (c == '[') {
                inside = true;
            } else if (c == ']') {
                inside = false;
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private static String collapsedText(int[] cps, int from, int to) {
        char[] out = new char[to - from];
        for (int i = from; i < to; i++) {
            int cp = cps[i];
            char c;
            if (cp < 128) {
                c = (char) cp;
            } else if (UnicodeFlags.isWhitespace(cp)) {
                c = '\u000B';
            } else {
                c = switch (UnicodeFlags.category(cp)) {
                    case UnicodeFlags.NUMBER -> NUMBER;
                    case UnicodeFlags.LETTER -> LETTER;
                    case UnicodeFlags.PUNCTUATION -> PUNCT;
                    case UnicodeFlags.ACCENT_MARK -> MARK;
                    case UnicodeFlags.SYMBOL -> SYMBOL;
                    default -> OTHER;
                };
            }
            out[i - from] = c;
        }
        return new String(out);
    }

    /** The code points as a string, non-ASCII white space as U+000B; fills the char→code point index map. */
    private static String wideText(int[] cps, int from, int to, int[] charToCp) {
        StringBuilder sb = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            int cp = cps[i];
            if (cp > 0x7F && UnicodeFlags.isWhitespace(cp)) {
                cp = 0x0B;
            }
            charToCp[sb.length()] = i - from;
            if (Character.isSupplementaryCodePoint(cp)) {
                charToCp[sb.length() + 1] = i - from;
            }
            sb.appendCodePoint(cp);
        }
        charToCp[sb.length()] = to - from;
        return sb.toString();
    }

    /** Emits matches and the gaps between them as piece lengths (in code points). */
    private static void splitRegex(Pattern p, String text, int[] charToCp, List<Integer> out) {
        Matcher m = p.matcher(text);
        int prev = 0;
        while (m.find()) {
            int s = charToCp == null ? m.start() : charToCp[m.start()];
            int e = charToCp == null ? m.end() : charToCp[m.end()];
            if (s > prev) {
                out.add(s - prev);
            }
            if (e > s) {
                out.add(e - s);
            }
            prev = e;
        }
        int end = charToCp == null ? text.length() : charToCp[text.length()];
        if (end > prev) {
            out.add(end - prev);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Hand-written splitters. A position outside [from, to) has no flags at all, like llama.cpp's.

    private static final int OUT = -1;

    private static int cpAt(int[] cps, int from, int to, int pos) {
        return pos >= from && pos < to ? cps[pos] : OUT;
    }

    private static boolean letter(int[] cps, int from, int to, int pos) {
        return pos >= from && pos < to && UnicodeFlags.isLetter(cps[pos]);
    }

    private static boolean number(int[] cps, int from, int to, int pos) {
        return pos >= from && pos < to && UnicodeFlags.isNumber(cps[pos]);
    }

    private static boolean space(int[] cps, int from, int to, int pos) {
        return pos >= from && pos < to && UnicodeFlags.isWhitespace(cps[pos]);
    }

    /** [^\s\p{L}\p{N}] for a position inside the piece; false outside it. */
    private static boolean other(int[] cps, int from, int to, int pos) {
        return pos >= from
                && pos < to
                && !UnicodeFlags.isWhitespace(cps[pos])
                && !UnicodeFlags.isLetter(cps[pos])
                && !UnicodeFlags.isNumber(cps[pos]);
    }

    /** GPT-2: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}. */
    private static void splitGpt2(int[] cps, int from, int to, List<Integer> out) {
        int prevEnd = from;
        int pos = from;
        while (pos < to) {
            int cp = cps[pos];
            if (cp == '\'' && pos + 1 < to) {
                int n1 = cps[pos + 1];
                if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') {
                    pos += 2;
                    prevEnd = add(out, prevEnd, pos);
                    continue;
                }
                if (pos + 2 < to) {
                    int n2 = cps[pos + 2];
                    if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) {
                        pos += 3;
                        prevEnd = add(out, prevEnd, pos);
                        continue;
                    }
                }
            }
            int look = cp == ' ' ? pos + 1 : pos; // the optional leading space
            if (letter(cps, from, to, look)) {
                pos = look;
                while (letter(cps, from, to, pos)) {
                    pos++;
                }
                prevEnd = add(out, prevEnd, pos);
                continue;
            }
            if (number(cps, from, to, look)) {
                pos = look;
                while (number(cps, from, to, pos)) {
                    pos++;
                }
                prevEnd = add(out, prevEnd, pos);
                continue;
            }
            if (other(cps, from, to, look)) {
                pos = look;
                while (other(cps, from, to, pos)) {
                    pos++;
                }
                prevEnd = add(out, prevEnd, pos);
                continue;
            }
            int spaces = 0;
            while (space(cps, from, to, pos + spaces)) {
                spaces++;
            }
            if (spaces > 1 && pos + spaces < to) {
                pos += spaces - 1; // \s+(?!\S): leave one space to lead the next word
                prevEnd = add(out, prevEnd, pos);
                continue;
            }
            if (spaces > 0) {
                pos += spaces;
                prevEnd = add(out, prevEnd, pos);
                continue;
            }
            pos++;
            prevEnd = add(out, prevEnd, pos);
        }
    }

    /**
     * Llama 3: {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*
     * |\s*[\r\n]+|\s+(?!\S)|\s+}.
     */
    private static void splitLlama3(int[] cps, int from, int to, List<Integer> out) {
        int prevEnd = from;
        int pos = from;
        while (pos < to) {
            int cp = cps[pos];
            if (cp == '\'' && pos + 1 < to) {
                int n1 = asciiLower(cps[pos + 1]);
                if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') {
                    pos += 2;
                    prevEnd = add(out, prevEnd, pos);
                    continue;
                }
                if (pos + 2 < to) {
                    int n2 = asciiLower(cps[pos + 2]);
                    if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) {
                        pos += 3;
                        prevEnd = add(out, prevEnd, pos);
                        continue;
                    }
                }
            }
            if (!(cp == '\r' || cp == '\n' || UnicodeFlags.isNumber(cp))) {
                if (UnicodeFlags.isLetter(cp) || letter(cps, from, to, pos + 1)) {
                    pos++;
                    while (letter(cps, from, to, pos)) {
                        pos++;
                    }
                    prevEnd = add(out, prevEnd, pos);
                    continue;
                }
            }
            if (UnicodeFlags.isNumber(cp)) {
                int ini = pos;
                while (number(cps, from, to, pos)) {
                    pos++;
                    if (pos - ini >= 3) {
                        prevEnd = add(out, prevEnd, pos);
                        ini = pos;
                    }
                }
                prevEnd = add(out, prevEnd, pos);
                continue;
            }
            // " ?[^\s\p{L}\p{N}]+[\r\n]*". llama.cpp tests the position after an optional space and enters even
            // when that position lies past the piece (a lone trailing space), which the white-space rule below
            // would have produced anyway.
            int look = cp == ' ' ? pos + 1 : pos;
            boolean lookInside = look < to;
            if (!lookInside || other(cps, from, to, look)) {
                pos = look;
                while (other(cps, from, to, pos)) {
                    pos++;
                }
                while (cpAt(cps, from, to, pos) == '\r' || cpAt(cps, from, to, pos) == '\n') {
                    pos++;
                }
                prevEnd = add(out, prevEnd, pos);
                continue;
            }
            int spaces = 0;
            int lastNewlineEnd = 0;
            while (space(cps, from, to, pos + spaces)) {
                int c2 = cps[pos + spaces];
                if (c2 == '\r' || c2 == '\n') {
                    lastNewlineEnd = pos + spaces + 1;
                }
                spaces++;
            }
            if (lastNewlineEnd > 0) {
                pos = lastNewlineEnd; // \s*[\r\n]+
                prevEnd = add(out, prevEnd, pos);
                continue;
            }
            if (spaces > 1 && pos + spaces < to) {
                pos += spaces - 1;
                prevEnd = add(out, prevEnd, pos);
                continue;
            }
            if (spaces > 0) {
                pos += spaces;
                prevEnd = add(out, prevEnd, pos);
                continue;
            }
            pos++;
            prevEnd = add(out, prevEnd, pos);
        }
    }

    private static int asciiLower(int cp) {
        return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    }

    private static int add(List<Integer> out, int prevEnd, int end) {
        if (end > prevEnd) {
            out.add(end - prevEnd);
        }
        return end;
    }
}
