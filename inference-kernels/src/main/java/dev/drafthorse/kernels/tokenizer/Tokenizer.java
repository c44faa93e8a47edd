package dev.drafthorse.kernels.tokenizer;

import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.gguf.MetadataValue;
import dev.drafthorse.kernels.gguf.ValueType;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A tokenizer read from GGUF metadata that gives the same token ids and text as llama.cpp.
 *
 * <p>Two algorithms are supported, chosen by {@code tokenizer.ggml.model}:
 * <ul>
 *   <li>{@code llama}: SentencePiece BPE with scores and byte fallback (Llama 1/2, Mistral 7B, Phi-3, TinyStories),
 *   see {@link SentencePieceTokenizer};</li>
 *   <li>{@code gpt2}: byte-level BPE with a merge list and the pre-tokenizer named by {@code tokenizer.ggml.pre}
 *   (GPT-2, Llama 3, Qwen 2, DeepSeek, Falcon, StarCoder, …), see {@link BpeTokenizer}.</li>
 * </ul>
 *
 * <p>This class holds what both share, following llama.cpp's {@code llama_vocab}:
 * <ul>
 *   <li><b>Special tokens in text.</b> Before the model's algorithm runs, the text is cut around special tokens
 *   written in it, longest token first: user-defined tokens always (as Hugging Face's added tokens), control and
 *   unknown tokens only when {@code parseSpecial} is set. Each cut-out token becomes its id directly.</li>
 *   <li><b>Which tokens end generation</b>: EOS, EOT, EOM, the FIM pad/repo/separator tokens, and every token
 *   spelled like a known end marker ({@code <|endoftext|>}, {@code <|im_end|>}, {@code <|eot_id|>},
 *   {@code <|end|>}, {@code <end_of_turn>}, …), as {@code llama_vocab_is_eog}. Tokens found that way are
 *   treated as control tokens even when the file says otherwise.</li>
 *   <li><b>Detokenizing</b>: control and unknown tokens print nothing, user-defined tokens print as written,
 *   byte tokens print their byte, and pieces are joined as bytes, so characters split across tokens come out
 *   whole. For SentencePiece vocabularies the space that encoding put in front of the text (and after every
 *   special token) is dropped again: the leading space of the first piece, and of the piece after BOS or another
 *   special token, is removed ({@code "▁Once"} after BOS prints {@code "Once"}); elsewhere it is kept (after a
 *   prompt, {@code "▁was"} prints {@code " was"}). Byte-level vocabularies then clean up spaces before
 *   punctuation as llama.cpp's {@code clean_spaces} does ({@link CleanSpaces}).</li>
 * </ul>
 *
 * <p>Instances are immutable and thread-safe; a {@link TokenDecoder} is not (use one per stream).
 */
public abstract class Tokenizer {
    static final String KEY_MODEL = "tokenizer.ggml.model";
    static final String KEY_PRE = "tokenizer.ggml.pre";
    static final String KEY_TOKENS = "tokenizer.ggml.tokens";
    static final String KEY_SCORES = "tokenizer.ggml.scores";
    static final String KEY_TYPES = "tokenizer.ggml.token_type";
    static final String KEY_MERGES = "tokenizer.ggml.merges";
    static final String KEY_ADD_BOS = "tokenizer.ggml.add_bos_token";
    static final String KEY_ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";

    // llama.cpp's token attributes: a bit set, because loading can add CONTROL, LSTRIP or RSTRIP to a type.
    static final int ATTR_UNKNOWN = 1;
    static final int ATTR_UNUSED = 1 << 1;
    static final int ATTR_NORMAL = 1 << 2;
    static final int ATTR_CONTROL = 1 << 3;
    static final int ATTR_USER_DEFINED = 1 << 4;
    static final int ATTR_BYTE = 1 << 5;
    static final int ATTR_LSTRIP = 1 << 7;
    static final int ATTR_RSTRIP = 1 << 8;
    /** Tokens that are cut out of text before tokenizing (when allowed), and after which SPM adds a space. */
    static final int ATTR_SPECIAL = ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN;

    private static final String[] EOT_TEXTS = {
        "<|eot_id|>",
        "<|im_end|>",
        "<|end|>",
        "<end_of_turn>",
        "<|endoftext|>",
        "<|end_of_text|>",
        "<EOT>",
        "_<EOT>",
        "[EOT]",
        "<\uff5cend\u2581of\u2581sentence\uff5c>",
        "<end_of_utterance>"
    };
    private static final String[] EOM_TEXTS = {"<|eom_id|>"};
    private static final String[] FIM_PRE_TEXTS = {
        "<|fim_prefix|>",
        "<fim-prefix>",
        "<fim_prefix>",
        "<\uff5cfim\u2581begin\uff5c>",
        "<PRE>",
        "\u2581<PRE>",
        "<|code_prefix|>",
        "<|prefix|>"
    };
    private static final String[] FIM_SUF_TEXTS = {
        "<|fim_suffix|>",
        "<fim-suffix>",
        "<fim_suffix>",
        "<\uff5cfim\u2581hole\uff5c>",
        "<SUF>",
        "\u2581<SUF>",
        "<|code_suffix|>",
        "<|suffix|>"
    };
    private static final String[] FIM_MID_TEXTS = {
        "<|fim_middle|>",
        "<fim-middle>",
        "<fim_middle>",
        "<\uff5cfim\u2581end\uff5c>",
        "<MID>",
        "\u2581<MID>",
        "<|code_middle|>",
        "<|middle|>"
    };
    private static final String[] FIM_PAD_TEXTS = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"};
    private static final String[] FIM_REP_TEXTS = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"
    };
    private static final String[] FIM_SEP_TEXTS = {"<|file_sep|>"};
    private static final String[] EOG_TEXTS = {
        "<|eot_id|>",
        "<|im_end|>",
        "<|end|>",
        "<|return|>",
        "<|call|>",
        "<|flush|>",
        "<|calls|>",
        "<end_of_turn>",
        "<|endoftext|>",
        "</s>",
        "<|eom_id|>",
        "<EOT>",
        "_<EOT>",
        "[EOT]",
        "[EOS]",
        "<|end_of_text|>",
        "<end_of_utterance>",
        "<eos>",
        "<turn|>",
        "<|tool_response>",
        "<\uff5cend\u2581of\u2581sentence\uff5c>",
        "[e~["
    };

    final String file;
    final String model;
    final String[] tokens;
    final int[] types;
    final float[] scores;
    final int[] attrs;
    final Map<String, Integer> ids;
    final int bos;
    final int eos;
    final int eot;
    final int unk;
    final boolean addBos;
    final boolean addSpacePrefix;
    final boolean cleanSpaces;
    /** Tokens that can be cut out of text, longest (in UTF-8 bytes) first, ties by id. */
    private final int[] specialTokens;

    private final BitSet eog = new BitSet();
    /** Each token's bytes as llama.cpp's {@code token_to_piece(special = true)} gives them. */
    private final byte[][] pieces;

    /** What {@link #fromGguf} read, handed to the subclass constructors. */
    static final class Vocab {
        String file;
        String model;
        String name = "";
        String architecture = "";
        String pre = "";
        String[] tokens;
        int[] types;
        float[] scores;
        Map<String, Integer> ids;
        boolean addBos;
        boolean addSpacePrefix;
        boolean cleanSpaces;
        int bos;
        int eos;
        int unk;
        int eot = -1;
        int eom = -1;
        int fimPre = -1;
        int fimSuf = -1;
        int fimMid = -1;
        int fimPad = -1;
        int fimRep = -1;
        int fimSep = -1;
    }

    Tokenizer(Vocab v) {
        this.file = v.file;
        this.model = v.model;
        this.tokens = v.tokens;
        this.types = v.types;
        this.scores = v.scores;
        this.ids = v.ids;
        this.addBos = v.addBos;
        this.addSpacePrefix = v.addSpacePrefix;
        this.cleanSpaces = v.cleanSpaces;
        this.bos = v.bos;
        this.eos = v.eos;
        this.unk = v.unk;
        int n = tokens.length;
        attrs = new int[n];
        for (int i = 0; i < n; i++) {
            attrs[i] = switch (types[i]) {
                case TokenType.NORMAL -> ATTR_NORMAL;
                case TokenType.UNKNOWN -> ATTR_UNKNOWN;
                case TokenType.CONTROL -> ATTR_CONTROL;
                case TokenType.USER_DEFINED -> ATTR_USER_DEFINED;
                case TokenType.UNUSED -> ATTR_UNUSED;
                case TokenType.BYTE -> ATTR_BYTE;
                default -> 0;
            };
        }

        // Special tokens the converter did not name are recognized by their text, and made control tokens.
        // (llama.cpp takes the first match in hash order; we take the first text in list order, which prefers
        // the turn-level marker, e.g. Phi-3's <|end|> over <|endoftext|>.)
        int eotId = v.eot >= 0 ? v.eot : findAndMarkControl(EOT_TEXTS);
        int eomId = v.eom >= 0 ? v.eom : findAndMarkControl(EOM_TEXTS);
        if (v.fimPre < 0) {
            findAndMarkControl(FIM_PRE_TEXTS);
        }
        if (v.fimSuf < 0) {
            findAndMarkControl(FIM_SUF_TEXTS);
        }
        if (v.fimMid < 0) {
            findAndMarkControl(FIM_MID_TEXTS);
        }
        int fimPad = v.fimPad >= 0 ? v.fimPad : findAndMarkControl(FIM_PAD_TEXTS);
        int fimRep = v.fimRep >= 0 ? v.fimRep : findAndMarkControl(FIM_REP_TEXTS);
        int fimSep = v.fimSep >= 0 ? v.fimSep : findAndMarkControl(FIM_SEP_TEXTS);
        this.eot = eotId;

        // End of generation.
        for (int id : new int[] {fimPad, fimRep, fimSep}) {
            if (id >= 0) {
                eog.set(id);
            }
        }
        for (String t : EOG_TEXTS) {
            Integer id = ids.get(t);
            if (id != null) {
                eog.set(id);
                attrs[id] |= ATTR_CONTROL;
            }
        }
        // gpt-oss renders these always.
        for (String t : new String[] {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
            Integer id = ids.get(t);
            if (id != null) {
                attrs[id] = ATTR_USER_DEFINED;
            }
        }
        for (int id : new int[] {eos, eotId, eomId}) {
            if (id >= 0) {
                eog.set(id);
            }
        }
        // o200k_harmony and solar-open: <|end|> ends a message, not the generation.
        Integer end = ids.get("<|end|>");
        if (end != null
                && eog.get(end)
                && ((eogHas("<|return|>") && eogHas("<|call|>")) || (eogHas("<|calls|>") && eogHas("<|flush|>")))) {
            eog.clear(end);
            attrs[end] = ATTR_USER_DEFINED;
        }
        // gemma4 and paddleocr: </s> is not an end marker there.
        Integer s = ids.get("</s>");
        if (s != null && eog.get(s) && eogHas("<|tool_response>")) {
            eog.clear(s);
            attrs[s] = ATTR_NORMAL;
        }

        List<Integer> special = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if ((attrs[i] & ATTR_SPECIAL) != 0) {
                special.add(i);
            }
        }
        int[] byteLength = new int[n];
        for (int id : special) {
            byteLength[id] = Utf8.encode(tokens[id]).length;
        }
        special.sort(Comparator.<Integer>comparingInt(id -> -byteLength[id]).thenComparingInt(id -> id));
        specialTokens = special.stream().mapToInt(Integer::intValue).toArray();

        pieces = new byte[n][];
        for (int i = 0; i < n; i++) {
            pieces[i] = specialPiece(i);
        }

        // Per-model strip attributes (they only affect cutting special tokens out of text).
        String name = v.name.toLowerCase(Locale.ROOT);
        if (v.pre.contains("jina-v2-de")
                || v.pre.contains("jina-v2-es")
                || v.pre.contains("jina-v2-code")
                || v.architecture.contains("nomic-bert-moe")
                || v.architecture.contains("jina-bert-v3")) {
            setAttr("<mask>", ATTR_LSTRIP, true);
        } else if (name.contains("phi-3") || name.contains("phi3")) {
            for (int id : specialTokens) {
                attrs[id] |= ATTR_RSTRIP;
            }
            setAttr("</s>", ATTR_RSTRIP, true);
            for (String t : new String[] {"<unk>", "<s>", "<|endoftext|>"}) {
                setAttr(t, ATTR_RSTRIP, false);
            }
        } else if (name.contains("modern-bert")) {
            setAttr("[MASK]", ATTR_LSTRIP, true);
        }
    }

    private boolean eogHas(String text) {
        Integer id = ids.get(text);
        return id != null && eog.get(id);
    }

    private void setAttr(String text, int attr, boolean on) {
        Integer id = ids.get(text);
        if (id != null) {
            attrs[id] = on ? attrs[id] | attr : attrs[id] & ~attr;
        }
    }

    private int findAndMarkControl(String[] texts) {
        for (String t : texts) {
            Integer id = ids.get(t);
            if (id != null) {
                attrs[id] |= ATTR_CONTROL;
                return id;
            }
        }
        return -1;
    }

    // -------------------------------------------------------------------------------------------------------------
    // Loading

    /**
     * Reads the tokenizer described by {@code f}'s {@code tokenizer.ggml.*} metadata.
     *
     * @throws GgufException naming the key and value when the model or pre-tokenizer is unknown, or when the
     *     vocabulary arrays are missing, mistyped, too short or contain duplicates
     */
    public static Tokenizer fromGguf(GgufFile f) throws GgufException {
        Vocab v = new Vocab();
        v.file = f.path().toString();
        v.model = f.getString(KEY_MODEL);
        boolean spm;
        switch (v.model) {
            case "llama" -> spm = true;
            case "gpt2" -> spm = false;
            default ->
                throw new GgufException(
                        v.file,
                        field(KEY_MODEL),
                        "unsupported tokenizer model '" + v.model
                                + "' (supported: 'llama' = SentencePiece BPE, 'gpt2' = byte-level BPE)");
        }
        v.pre = f.getString(KEY_PRE, "");
        v.name = f.getString("general.name", "");
        v.architecture = f.getString("general.architecture", "");
        PreTokenizer pre = null;
        if (!spm) {
            pre = PreTokenizer.forName(v.pre);
            if (pre == null) {
                throw new GgufException(
                        v.file,
                        field(KEY_PRE),
                        "unknown pre-tokenizer '" + v.pre + "' (supported: " + PreTokenizer.supportedNames() + ")");
            }
        }

        String[] texts = f.getStringArray(KEY_TOKENS);
        int n = texts.length;
        if (n == 0) {
            throw new GgufException(v.file, field(KEY_TOKENS), "empty vocabulary");
        }
        v.tokens = texts.clone();
        v.ids = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            if (v.tokens[i].isEmpty()) {
                v.tokens[i] = "[EMPTY_" + i + "]"; // as llama.cpp, so that every token has a distinct text
            }
            Integer prev = v.ids.putIfAbsent(v.tokens[i], i);
            if (prev != null && v.tokens[i].indexOf('\uFFFD') < 0) {
                throw new GgufException(
                        v.file,
                        field(KEY_TOKENS) + "[" + i + "]",
                        "duplicate token '" + v.tokens[i] + "' (ids " + prev + " and " + i + ")");
            }
            // Two byte strings that are not UTF-8 can read as the same Java text: the first one keeps the text.
        }
        v.scores = new float[n];
        if (f.has(KEY_SCORES)) {
            MetadataValue sv = f.value(KEY_SCORES);
            if (sv.type() == ValueType.ARRAY && sv.elementType() == ValueType.INT32) {
                int[] is = f.getIntArray(KEY_SCORES);
                checkLength(v.file, KEY_SCORES, is.length, n);
                for (int i = 0; i < n; i++) {
                    v.scores[i] = is[i];
                }
            } else {
                float[] fs = f.getFloatArray(KEY_SCORES);
                checkLength(v.file, KEY_SCORES, fs.length, n);
                System.arraycopy(fs, 0, v.scores, 0, n);
            }
        }
        v.types = new int[n];
        if (f.has(KEY_TYPES)) {
            int[] ts = f.getIntArray(KEY_TYPES);
            checkLength(v.file, KEY_TYPES, ts.length, n);
            System.arraycopy(ts, 0, v.types, 0, n);
        } else {
            Arrays.fill(v.types, TokenType.NORMAL);
        }

        // Defaults per model type, as llama.cpp; a default outside the vocabulary means "none".
        if (spm) {
            v.bos = 1;
            v.eos = 2;
            v.unk = 0;
            v.addBos = true;
            v.addSpacePrefix = true;
            v.cleanSpaces = false;
        } else {
            v.bos = pre.noBos ? -1 : 11;
            v.eos = 11;
            v.unk = -1;
            v.addBos = pre.addBos;
            v.addSpacePrefix = false;
            v.cleanSpaces = pre.cleanSpaces;
        }
        v.bos = v.bos < n ? v.bos : -1;
        v.eos = v.eos < n ? v.eos : -1;
        v.unk = v.unk < n ? v.unk : -1;
        v.bos = tokenId(f, "tokenizer.ggml.bos_token_id", n, v.bos);
        v.eos = tokenId(f, "tokenizer.ggml.eos_token_id", n, v.eos);
        v.eot = tokenId(f, "tokenizer.ggml.eot_token_id", n, -1);
        v.eom = tokenId(f, "tokenizer.ggml.eom_token_id", n, -1);
        v.unk = tokenId(f, "tokenizer.ggml.unknown_token_id", n, v.unk);
        v.fimPre = tokenId(f, "tokenizer.ggml.fim_pre_token_id", n, -1);
        v.fimSuf = tokenId(f, "tokenizer.ggml.fim_suf_token_id", n, -1);
        v.fimMid = tokenId(f, "tokenizer.ggml.fim_mid_token_id", n, -1);
        v.fimPad = tokenId(f, "tokenizer.ggml.fim_pad_token_id", n, -1);
        v.fimRep = tokenId(f, "tokenizer.ggml.fim_rep_token_id", n, -1);
        v.fimSep = tokenId(f, "tokenizer.ggml.fim_sep_token_id", n, -1);
        // deprecated spellings of the FIM ids
        v.fimPre = tokenId(f, "tokenizer.ggml.prefix_token_id", n, v.fimPre);
        v.fimSuf = tokenId(f, "tokenizer.ggml.suffix_token_id", n, v.fimSuf);
        v.fimMid = tokenId(f, "tokenizer.ggml.middle_token_id", n, v.fimMid);
        v.addBos = f.getBool(KEY_ADD_BOS, v.addBos);
        v.addSpacePrefix = f.getBool(KEY_ADD_SPACE_PREFIX, v.addSpacePrefix);
        if (v.addBos && v.bos < 0) {
            throw new GgufException(
                    v.file,
                    field(KEY_ADD_BOS),
                    "is true, but there is no BOS token " + "(tokenizer.ggml.bos_token_id)");
        }

        if (spm) {
            return new SentencePieceTokenizer(v);
        }
        return new BpeTokenizer(v, pre, readMerges(f, v.file));
    }

    private static Map<String, Integer> readMerges(GgufFile f, String file) throws GgufException {
        String[] merges = f.getStringArray(KEY_MERGES);
        Map<String, Integer> ranks = new HashMap<>(merges.length * 2);
        for (int i = 0; i < merges.length; i++) {
            String m = merges[i];
            // "left right", split at the first space after the first character (a pair's left part is never empty)
            int sp = m.indexOf(' ', 1);
            String key = sp < 0 ? " " : m.substring(0, sp) + " " + m.substring(sp + 1);
            ranks.putIfAbsent(key, i); // the first occurrence has the better rank
        }
        if (ranks.isEmpty()) {
            throw new GgufException(file, field(KEY_MERGES), "no merges");
        }
        return ranks;
    }

    private static void checkLength(String file, String key, int length, int n) throws GgufException {
        if (length < n) {
            throw new GgufException(file, field(key), length + " entries for " + n + " tokens");
        }
    }

    /** A token id from metadata; values outside the vocabulary are ignored (llama.cpp warns and keeps the default). */
    private static int tokenId(GgufFile f, String key, int n, int fallback) throws GgufException {
        if (!f.has(key)) {
            return fallback;
        }
        long id = f.getLong(key);
        return id >= 0 && id < n ? (int) id : fallback;
    }

    static String field(String key) {
        return "metadata '" + key + "'";
    }

    // -------------------------------------------------------------------------------------------------------------
    // Encoding

    /**
     * Tokenizes {@code text}.
     *
     * @param addBos prepend the BOS token (see {@link #addBosDefault()} for what the model expects)
     * @param parseSpecial turn control tokens written in the text ({@code <|im_start|>}, {@code </s>}) into their
     *     ids; when false they are tokenized as plain text. User-defined tokens are matched either way.
     * @throws IllegalArgumentException if {@code addBos} is set and the vocabulary has no BOS token
     */
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        return encode(text, addBos, parseSpecial, null);
    }

    /**
     * Tokenizes a rendered chat prompt: control tokens are parsed only where the whole token lies outside
     * {@code literal} (the chars that came from message data), so a {@code <|im_end|>} written inside a message is
     * tokenized as text while the template's own markers become their ids. Text around the markers is tokenized
     * as one piece, whatever its origin, exactly as llama.cpp would tokenize the same prompt without the data.
     *
     * @param literal bit i set: char i is data, never part of a control token
     */
    public int[] encode(String text, boolean addBos, BitSet literal) {
        return encode(text, addBos, true, literal);
    }

    private int[] encode(String text, boolean addBos, boolean parseSpecial, BitSet literal) {
        IntList out = new IntList();
        if (addBos) {
            if (bos < 0) {
                throw new IllegalArgumentException(file + ": cannot add BOS: the vocabulary has no BOS token");
            }
            out.add(bos);
        }
        boolean prevSpecial = true; // the start of the text counts as "after a special token"
        for (Fragment fr : partition(text, parseSpecial, literal)) {
            if (fr.token >= 0) {
                out.add(fr.token);
                prevSpecial = true;
            } else {
                encodeText(text.substring(fr.start, fr.end), prevSpecial, out);
                prevSpecial = false;
            }
        }
        return out.toArray();
    }

    /** Tokenizes a piece of text that holds no special token to cut out. */
    abstract void encodeText(String text, boolean afterSpecial, IntList out);

    private record Fragment(int token, int start, int end) {}

    /** llama.cpp's {@code tokenizer_st_partition}: cuts special tokens out of {@code text}, longest first. */
    private List<Fragment> partition(String text, boolean parseSpecial, BitSet literal) {
        List<Fragment> frags = new ArrayList<>();
        if (text.isEmpty()) {
            return frags;
        }
        frags.add(new Fragment(-1, 0, text.length()));
        for (int id : specialTokens) {
            int attr = attrs[id];
            if (!parseSpecial && (attr & (ATTR_CONTROL | ATTR_UNKNOWN)) != 0) {
                continue;
            }
            String t = tokens[id];
            BitSet guard = (attr & (ATTR_CONTROL | ATTR_UNKNOWN)) != 0 ? literal : null;
            List<Fragment> next = null;
            for (int k = 0; k < frags.size(); k++) {
                Fragment fr = frags.get(k);
                int match = fr.token < 0 ? find(text, t, fr.start, guard) : -1;
                if (match < 0 || match + t.length() > fr.end) {
                    if (next != null) {
                        next.add(fr);
                    }
                    continue;
                }
                if (next == null) {
                    next = new ArrayList<>(frags.subList(0, k));
                }
                int start = fr.start;
                while (true) {
                    int leftEnd = match;
                    if ((attr & ATTR_LSTRIP) != 0) {
                        while (leftEnd > start && isCSpace(text.charAt(leftEnd - 1))) {
                            leftEnd--;
                        }
                    }
                    if (leftEnd > start) {
                        next.add(new Fragment(-1, start, leftEnd));
                    }
                    next.add(new Fragment(id, match, match + t.length()));
                    start = match + t.length();
                    if ((attr & ATTR_RSTRIP) != 0) {
                        while (start < fr.end && isCSpace(text.charAt(start))) {
                            start++;
                        }
                    }
                    if (start >= fr.end) {
                        break;
                    }
                    match = find(text, t, start, guard);
                    if (match < 0 || match + t.length() > fr.end) {
                        next.add(new Fragment(-1, start, fr.end));
                        break;
                    }
                }
            }
            if (next != null) {
                frags = next;
            }
        }
        return frags;
    }

    /** The next occurrence of {@code t} at or after {@code from} that touches no char of {@code guard}. */
    private static int find(String text, String t, int from, BitSet guard) {
        int match = text.indexOf(t, from);
        while (guard != null && match >= 0) {
            int firstData = guard.nextSetBit(match);
            if (firstData < 0 || firstData >= match + t.length()) {
                break;
            }
            match = text.indexOf(t, match + 1);
        }
        return match;
    }

    /** C's {@code isspace} in the "C" locale, which llama.cpp uses for the strip attributes. */
    private static boolean isCSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    // -------------------------------------------------------------------------------------------------------------
    // Decoding

    /** The bytes of {@code id}'s piece with special tokens written out; the subclass spells normal tokens. */
    private byte[] specialPiece(int id) {
        int attr = attrs[id];
        if ((attr & ATTR_SPECIAL) != 0) {
            return Utf8.encode(tokens[id]);
        }
        if ((attr & ATTR_NORMAL) != 0) {
            return normalPiece(id);
        }
        if ((attr & ATTR_BYTE) != 0) {
            int b = byteValue(tokens[id]);
            return b >= 0 ? new byte[] {(byte) b} : Utf8.encode(tokens[id]);
        }
        return new byte[0]; // unused and undefined tokens print nothing
    }

    /** The bytes a normal token stands for. */
    abstract byte[] normalPiece(int id);

    /** The byte of a byte token spelled {@code <0xXX>}, or -1. */
    static int byteValue(String text) {
        if (text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
            try {
                return Integer.parseInt(text.substring(3, 5), 16);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * Appends what {@code id} prints in generated text to {@code out} (special tokens print nothing, except
     * user-defined ones), applying the SentencePiece leading-space rule. {@code strip[0]} carries the rule's state
     * from token to token: true at the start and after a special token.
     */
    final void appendDecoded(int id, ByteArrayOutputStream out, boolean[] strip) {
        checkId(id);
        int attr = attrs[id];
        byte[] p = pieces[id];
        if ((attr & ATTR_SPECIAL) != 0) {
            if ((attr & (ATTR_CONTROL | ATTR_UNKNOWN)) == 0) {
                out.write(p, 0, p.length);
            }
            strip[0] = addSpacePrefix;
            return;
        }
        int off = strip[0] && p.length > 0 && p[0] == ' ' ? 1 : 0;
        out.write(p, off, p.length - off);
        strip[0] = false;
    }

    /**
     * The text of a whole token sequence, as llama.cpp's detokenizer prints it (special tokens not rendered; see
     * the class comment for the leading-space and clean-up rules).
     *
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean[] strip = {addSpacePrefix};
        for (int id : ids) {
            appendDecoded(id, out, strip);
        }
        byte[] b = out.toByteArray();
        int n = cleanSpaces ? CleanSpaces.apply(b, b.length) : b.length;
        return Utf8.decode(b, 0, n);
    }

    /**
     * A streaming decoder: push generated ids one at a time and print what each returns. The concatenation of
     * everything returned (including {@link TokenDecoder#flush()}) equals {@link #decode} of the pushed ids.
     */
    public TokenDecoder newDecoder() {
        return new TokenDecoder(this);
    }

    /**
     * A streaming decoder that continues after {@code context} (typically the prompt, with its BOS): the context
     * is pushed and its text discarded, so that the first generated piece keeps or loses its leading space
     * exactly as it would in {@code decode(context + generated)}.
     */
    public TokenDecoder newDecoder(int[] context) {
        TokenDecoder d = new TokenDecoder(this);
        for (int id : context) {
            d.push(id);
        }
        return d;
    }

    /** The bytes token {@code id} stands for, special tokens written out (llama.cpp's piece with special = true). */
    public byte[] pieceBytes(int id) {
        checkId(id);
        return pieces[id].clone();
    }

    /**
     * The text of one token for display: special tokens written out, and bytes that are not a whole UTF-8 character
     * (a byte-fallback token, half of an emoji) written as {@code <0xXX>}.
     */
    public String piece(int id) {
        checkId(id);
        byte[] p = pieces[id];
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < p.length) {
            int len = sequenceLength(p, i);
            if (len > 0) {
                sb.append(Utf8.decode(p, i, i + len));
                i += len;
            } else {
                sb.append(String.format("<0x%02X>", p[i] & 0xFF));
                i++;
            }
        }
        return sb.toString();
    }

    /** The length of the valid UTF-8 character at {@code p[i]}, or 0 if there is none. */
    private static int sequenceLength(byte[] p, int i) {
        int b0 = p[i] & 0xFF;
        int len = b0 < 0x80
                ? 1
                : b0 >= 0xC2 && b0 <= 0xDF ? 2 : b0 >= 0xE0 && b0 <= 0xEF ? 3 : b0 >= 0xF0 && b0 <= 0xF4 ? 4 : 0;
        if (len == 0 || i + len > p.length) {
            return 0;
        }
        String s = Utf8.decode(p, i, i + len);
        return s.indexOf('\uFFFD') < 0 && s.codePointCount(0, s.length()) == 1 ? len : 0;
    }

    final void checkId(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new IllegalArgumentException(
                    file + ": token id " + id + " outside the vocabulary [0, " + tokens.length + ")");
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // Vocabulary facts

    public int vocabSize() {
        return tokens.length;
    }

    /** The BOS token, or -1 if the vocabulary has none. */
    public int bos() {
        return bos;
    }

    /** The EOS token, or -1 if the vocabulary has none. */
    public int eos() {
        return eos;
    }

    /** The end-of-turn token ({@code tokenizer.ggml.eot_token_id}, or found by its text), or -1. */
    public int eot() {
        return eot;
    }

    /** Whether generation stops at {@code id}, as llama.cpp's {@code llama_vocab_is_eog}. */
    public boolean isEndOfGeneration(int id) {
        return id >= 0 && eog.get(id);
    }

    /** Whether prompts should start with BOS: {@code tokenizer.ggml.add_bos_token}, else llama.cpp's default. */
    public boolean addBosDefault() {
        return addBos;
    }

    /** The token's text as stored in the vocabulary ({@code ▁} for spaces in SentencePiece, {@code Ġ} in GPT-2). */
    public String tokenText(int id) {
        checkId(id);
        return tokens[id];
    }

    /** The token's type as stored in {@code tokenizer.ggml.token_type} (see {@link TokenType}). */
    public int tokenType(int id) {
        checkId(id);
        return types[id];
    }

    /** The token's SentencePiece score (0 when the file has none). */
    public float tokenScore(int id) {
        checkId(id);
        return scores[id];
    }

    /** The token with exactly this vocabulary text, or -1. */
    public int tokenId(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }

    /** {@code tokenizer.ggml.model}: {@code llama} or {@code gpt2}. */
    public String model() {
        return model;
    }

    /**
     * Whether {@code other} has the same vocabulary: the same size and the same token texts in the same order.
     * Speculative decoding requires it of a draft model, whose ids are checked against the target's.
     */
    public boolean vocabularyEquals(Tokenizer other) {
        return other != null && Arrays.equals(tokens, other.tokens);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + file + ", " + tokens.length + " tokens)";
    }
}
