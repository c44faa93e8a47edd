package dev.drafthorse.jobs.infer;

import dev.drafthorse.kernels.chat.ChatPrompts;
import dev.drafthorse.kernels.grammar.Grammar;
import dev.drafthorse.kernels.grammar.JsonSchemaGrammar;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.speculative.Speculation;
import dev.drafthorse.rows.RowDefaults;
import dev.drafthorse.rows.RowMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;

/**
 * The job's settings read from a {@link Configuration} and validated once, at submission (so a bad value fails
 * the command with exit 2 before anything runs) and again in each task. Every error names the key and the value.
 */
public record InferSettings(
        String model,
        String draft,
        RowMode mode,
        List<String> candidates,
        int maxNewTokens,
        SamplerOptions sampler,
        int ctxSize,
        int batch,
        long maxKvPositions,
        int queue,
        int threads,
        Speculation speculation,
        Format format,
        InputFormat inputFormat,
        int maxLineBytes,
        double maxRejectFraction,
        int rowsPerTask,
        int faultHaltAfterRows,
        boolean chat,
        String system,
        LocalDate date,
        Grammar grammar) {

    /** Output row format. */
    public enum Format {
        JSONL,
        TSV,
        ORC,
        PARQUET;

        /** Whether rows are lines of text (and so follow Hadoop's output compression settings). */
        public boolean text() {
            return this == JSONL || this == TSV;
        }
    }

    /** How input lines are read. */
    public enum InputFormat {
        AUTO,
        JSONL,
        TSV,
        TEXT,
        ORC,
        PARQUET
    }

    public static InferSettings from(Configuration conf) {
        String model = conf.getTrimmed(InferKey.MODEL.key(), "");
        if (model.isEmpty()) {
            throw new IllegalArgumentException(InferKey.MODEL.key() + " is not set (the GGUF model's URI)");
        }
        String draft = get(conf, InferKey.DRAFT);
        boolean lookup = bool(conf, InferKey.LOOKUP);
        if (!draft.isEmpty() && lookup) {
            throw new IllegalArgumentException(
                    InferKey.DRAFT.key() + " and " + InferKey.LOOKUP.key() + " are exclusive");
        }
        int draftMax = integer(conf, InferKey.DRAFT_MAX, 1, 64);
        Speculation spec = !draft.isEmpty()
                ? Speculation.draft(draftMax)
                : lookup ? Speculation.lookup(draftMax, integer(conf, InferKey.LOOKUP_NGRAM, 1, 16)) : Speculation.NONE;
        RowMode mode = RowMode.parse(InferKey.MODE.key(), get(conf, InferKey.MODE));
        List<String> candidates = new ArrayList<>();
        String c = conf.get(InferKey.CANDIDATES.key(), ""); // untrimmed: a candidate's leading space is content
        if (!c.isEmpty()) {
            for (String s : c.split(",", -1)) {
                if (s.isEmpty()) {
                    throw new IllegalArgumentException(
                            InferKey.CANDIDATES.key() + " holds an empty candidate: '" + c + "'");
                }
                candidates.add(s);
            }
        }
        if (mode != RowMode.SCORE && !candidates.isEmpty()) {
            throw new IllegalArgumentException(InferKey.CANDIDATES.key() + " applies to score mode only");
        }
        if (mode != RowMode.GENERATE && spec.enabled()) {
            throw new IllegalArgumentException("speculation (" + InferKey.DRAFT.key() + ", " + InferKey.LOOKUP.key()
                    + ") applies to generate mode only");
        }
        SamplerOptions sampler;
        try {
            sampler = new SamplerOptions(
                    real(conf, InferKey.TEMPERATURE),
                    integer(conf, InferKey.TOP_K, 0, Integer.MAX_VALUE),
                    real(conf, InferKey.TOP_P),
                    real(conf, InferKey.MIN_P),
                    longValue(conf, InferKey.SEED));
        } catch (IllegalArgumentException e) {
            // The sampler's messages start with the option's name (temperature, top-k, ...), which is the key's suffix.
            throw new IllegalArgumentException(InferKey.PREFIX + e.getMessage());
        }
        prefixCacheMb(conf); // checked here, at submission; the task reads it again
        int batch = integer(conf, InferKey.BATCH, 1, 4096);
        long maxKv = longValue(conf, InferKey.MAX_KV_POSITIONS);
        if (maxKv < 0) {
            throw new IllegalArgumentException(InferKey.MAX_KV_POSITIONS.key() + " must be >= 0, got " + maxKv);
        }
        int queue = integer(conf, InferKey.QUEUE, 1, 1 << 20);
        if (queue < batch) {
            throw new IllegalArgumentException(
                    InferKey.QUEUE.key() + " (" + queue + ") must be >= " + InferKey.BATCH.key() + " (" + batch + ")");
        }
        int threads = integer(conf, InferKey.THREADS, 0, 1024);
        if (threads == 0) {
            threads = "local".equals(conf.get("mapreduce.framework.name", "local"))
                    ? Runtime.getRuntime().availableProcessors()
                    : Math.max(1, conf.getInt("mapreduce.map.cpu.vcores", 1));
        }
        // A double, parsed as written: through a float 0.1 would print (and compare) as 0.10000000149011612.
        double fraction;
        try {
            fraction = Double.parseDouble(get(conf, InferKey.MAX_REJECT_FRACTION));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(InferKey.MAX_REJECT_FRACTION.key() + " must be a number, got '"
                    + get(conf, InferKey.MAX_REJECT_FRACTION) + "'");
        }
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException(
                    InferKey.MAX_REJECT_FRACTION.key() + " must be in [0, 1], got " + fraction);
        }
        boolean chat = bool(conf, InferKey.CHAT);
        String system = conf.get(InferKey.SYSTEM.key(), ""); // untrimmed: the message is content
        if (!system.isEmpty() && !chat) {
            throw new IllegalArgumentException(InferKey.SYSTEM.key() + " goes with " + InferKey.CHAT.key() + "=true");
        }
        String d = get(conf, InferKey.DATE);
        LocalDate date = d.isEmpty() ? ChatPrompts.todayUtc() : ChatPrompts.parseDate(d, InferKey.DATE.key());
        faultHaltInCommit(conf); // checked here, by name; read by InferOutputFormat
        fieldDelimiter(conf); // checked here; read where Hive text rows are split
        escapeChar(conf);
        textColumn(conf, InferKey.ID_COL, 1);
        textColumn(conf, InferKey.PROMPT_COL, 2);
        return new InferSettings(
                model,
                draft,
                mode,
                List.copyOf(candidates),
                integer(conf, InferKey.MAX_NEW_TOKENS, 0, Integer.MAX_VALUE),
                sampler,
                integer(conf, InferKey.CTX_SIZE, 0, Integer.MAX_VALUE),
                batch,
                maxKv == 0 ? Long.MAX_VALUE : maxKv,
                queue,
                threads,
                spec,
                choice(conf, InferKey.FORMAT, Format.class),
                choice(conf, InferKey.INPUT_FORMAT, InputFormat.class),
                integer(conf, InferKey.MAX_LINE_BYTES, 1, Integer.MAX_VALUE),
                fraction,
                integer(conf, InferKey.ROWS_PER_TASK, 0, Integer.MAX_VALUE),
                integer(conf, InferKey.FAULT_HALT_AFTER_ROWS, 0, Integer.MAX_VALUE),
                chat,
                system.isEmpty() ? null : system,
                date,
                grammar(conf, mode));
    }

    /** The defaults rows inherit. */
    public RowDefaults rowDefaults() {
        return new RowDefaults(maxNewTokens, sampler, List.of(), candidates, grammar);
    }

    /** The job's grammar from {@link InferKey#JSON_SCHEMA} or {@link InferKey#GRAMMAR}, or null; errors name the key. */
    static Grammar grammar(Configuration conf, RowMode mode) {
        String schema = conf.get(InferKey.JSON_SCHEMA.key(), "").strip();
        String gbnf = conf.get(InferKey.GRAMMAR.key(), "");
        if (!schema.isEmpty() && !gbnf.isBlank()) {
            throw new IllegalArgumentException(
                    InferKey.JSON_SCHEMA.key() + " and " + InferKey.GRAMMAR.key() + " are exclusive");
        }
        if ((!schema.isEmpty() || !gbnf.isBlank()) && mode != RowMode.GENERATE) {
            throw new IllegalArgumentException(
                    InferKey.JSON_SCHEMA.key() + " and " + InferKey.GRAMMAR.key() + " apply to generate mode only");
        }
        if (!schema.isEmpty()) {
            return JsonSchemaGrammar.compile(schema, InferKey.JSON_SCHEMA.key());
        }
        return gbnf.isBlank() ? null : Grammar.parse(gbnf, InferKey.GRAMMAR.key());
    }

    static String get(Configuration conf, InferKey k) {
        return conf.getTrimmed(k.key(), k.defaultValue());
    }

    private static boolean bool(Configuration conf, InferKey k) {
        String v = get(conf, k).toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(k.key() + " must be true or false, got '" + v + "'");
        }
        return v.equals("true");
    }

    /** {@link InferKey#FAULT_HALT_IN_COMMIT}, checked (0..100). */
    static int faultHaltInCommit(Configuration conf) {
        return integer(conf, InferKey.FAULT_HALT_IN_COMMIT, 0, 100);
    }

    /** The Hive text field delimiter ({@link InferKey#FIELD_DELIMITER}; {@code \001} when unset). */
    public static byte fieldDelimiter(Configuration conf) {
        String v = conf.get(InferKey.FIELD_DELIMITER.key(), "");
        return v.isEmpty() ? 1 : oneByte(InferKey.FIELD_DELIMITER, v);
    }

    /** The Hive text escape character ({@link InferKey#ESCAPE_CHAR}), or -1 for none. */
    public static int escapeChar(Configuration conf) {
        String v = conf.get(InferKey.ESCAPE_CHAR.key(), "");
        if (v.isEmpty()) {
            return -1;
        }
        byte e = oneByte(InferKey.ESCAPE_CHAR, v);
        if (e == fieldDelimiter(conf)) {
            throw new IllegalArgumentException(InferKey.ESCAPE_CHAR.key() + " must differ from "
                    + InferKey.FIELD_DELIMITER.key() + ", both are '" + v + "'");
        }
        return e;
    }

    /**
     * A Hive text table's column position (0-based) for {@code key}: the 1-based number it gives, or {@code dflt}
     * (1-based) when it holds the key's default name.
     */
    public static int textColumn(Configuration conf, InferKey key, int dflt) {
        String v = get(conf, key);
        if (v.equals(key.defaultValue())) {
            return dflt - 1;
        }
        if (!v.matches("[0-9]{1,4}") || Integer.parseInt(v) < 1) {
            // A name is fine for ORC and Parquet; only a text table needs a number, and it says so when read.
            return -1;
        }
        return Integer.parseInt(v) - 1;
    }

    /**
     * One byte as Hive's {@code LazyUtils.getByte} reads a delimiter property: digits are the byte's decimal value;
     * otherwise one ASCII character, or the escapes {@code \t}, {@code \NNN} (octal) and backslash-u and four hex digits.
     */
    static byte oneByte(InferKey key, String v) {
        int c;
        if (v.matches("[0-9]{1,3}")) {
            c = Integer.parseInt(v);
        } else if (v.equals("\\t")) {
            c = '\t';
        } else if (v.matches("\\\\[0-7]{3}")) {
            c = Integer.parseInt(v.substring(1), 8);
        } else if (v.matches("\\\\u[0-9a-fA-F]{4}")) {
            c = Integer.parseInt(v.substring(2), 16);
        } else if (v.length() == 1) {
            c = v.charAt(0);
        } else {
            throw new IllegalArgumentException(key.key() + " must be one character, \\t, \\NNN (octal), \\uXXXX or a"
                    + " decimal byte value, got '" + v + "'");
        }
        if (c > 127) {
            throw new IllegalArgumentException(key.key() + " must be an ASCII character (one byte), got '" + v + "'");
        }
        return (byte) c;
    }

    /** MiB of prompt-prefix KV kept per task (0 = off). */
    public static int prefixCacheMb(Configuration conf) {
        return integer(conf, InferKey.PREFIX_CACHE_MB, 0, 1 << 20);
    }

    private static int integer(Configuration conf, InferKey k, int min, int max) {
        long v = longValue(conf, k);
        if (v < min || v > max) {
            throw new IllegalArgumentException(k.key() + " must be in [" + min + ", " + max + "], got " + v);
        }
        return (int) v;
    }

    private static long longValue(Configuration conf, InferKey k) {
        String v = get(conf, k);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(k.key() + " must be an integer, got '" + v + "'");
        }
    }

    private static float real(Configuration conf, InferKey k) {
        String v = get(conf, k);
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(k.key() + " must be a number, got '" + v + "'");
        }
    }

    private static <E extends Enum<E>> E choice(Configuration conf, InferKey k, Class<E> type) {
        String v = get(conf, k);
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(v)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        throw new IllegalArgumentException(
                k.key() + " must be one of " + String.join(", ", names) + ", got '" + v + "'");
    }
}
