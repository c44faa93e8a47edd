package dev.drafthorse.jobs.infer;

/**
 * The {@code infer} job's configuration keys, {@code drafthorse.infer.*}, each with its default and meaning.
 * They are set by {@code -conf job.xml}, a {@code --properties} file, {@code -D key=value}, or the command's options,
 * in that rising order of precedence.
 */
public enum InferKey {
    MODEL(
            "model",
            null,
            "the GGUF model: any Hadoop filesystem URI (hdfs://, file://, s3a://, ...) or a path on the "
                    + "default filesystem; shipped to the tasks through the distributed cache"),
    DRAFT("draft", "", "a draft model sharing the target's vocabulary, for speculative decoding (empty = none)"),
    LOOKUP(
            "lookup",
            "false",
            "speculative decoding by n-gram lookup in each row's prompt and output (no second model)"),
    LOOKUP_NGRAM("lookup-ngram", "3", "longest suffix matched by lookup speculation"),
    DRAFT_MAX("draft-max", "8", "longest draft; the adaptive draft length stays at or below it"),
    MODE(
            "mode",
            "generate",
            "generate (text per row), score (log-probability of each candidate continuation) or embed"
                    + " (a vector per row)"),
    CANDIDATES("candidates", "", "score mode: comma-separated candidates for rows that carry no candidates array"),
    POOLING(
            "pooling",
            "",
            "embed mode: mean, last or cls; empty = the GGUF's <arch>.pooling_type, and mean when it names none"),
    NORMALIZE("normalize", "l2", "embed mode: l2 (unit vectors, so a dot product is the cosine similarity) or none"),
    EMBED_BATCH_TOKENS("embed-batch-tokens", "512", "embed mode: tokens of several rows evaluated in one forward pass"),
    MAX_NEW_TOKENS(
            "max-new-tokens", "128", "generate mode: tokens to generate per row at most (a row's max_new_tokens wins)"),
    TEMPERATURE("temperature", "0", "0 = greedy, else sample at this temperature (a row's temperature wins)"),
    TOP_K("top-k", "0", "keep the K most likely tokens, 0 = off"),
    TOP_P("top-p", "1", "nucleus sampling mass in (0, 1], 1 = off"),
    MIN_P("min-p", "0", "drop tokens below P x the top probability, in [0, 1)"),
    SEED("seed", "0", "the job's seed; each row samples from its own stream seeded by (seed, row id)"),
    CTX_SIZE(
            "ctx-size",
            "0",
            "context window per row, prompt included; 0 = the model's trained context. Longer prompts are rejected"),
    BATCH("batch", "16", "sequences decoded together in one forward pass (continuous batching)"),
    MAX_KV_POSITIONS(
            "max-kv-positions",
            "0",
            "bound on the KV positions of all active sequences of a task (memory); 0 = unbounded"),
    PREFIX_CACHE_MB(
            "prefix-cache-mb",
            "256",
            "MiB of KV blocks of prompt prefixes kept per task and reused by rows that start"
                    + " the same way (a shared template); 0 turns the prefix cache off. Outputs are bit-identical either way"),
    QUEUE("queue", "1024", "rows read ahead and handed to the batch scheduler together (at least batch)"),
    THREADS(
            "threads",
            "0",
            "kernel threads per task; 0 = the container's vcores (mapreduce.map.cpu.vcores), "
                    + "or every processor on the local runner"),
    CHAT(
            "chat",
            "false",
            "every prompt (a text row's, or a JSON row's \"prompt\") becomes one user message rendered by the"
                    + " model's tokenizer.chat_template; rows with \"messages\" go through the template either way"),
    SYSTEM("system", "", "with chat: a system message put before each such user message (empty = none)"),
    DATE(
            "date",
            "",
            "the date YYYY-MM-DD that chat templates' strftime_now reads; empty = the day the job is submitted"
                    + " (UTC), which the driver writes into the job so every task and retry renders alike"),
    JSON_SCHEMA(
            "json-schema",
            "",
            "generate mode: a JSON schema (its JSON text) every output must follow, converted to a grammar as"
                    + " llama.cpp does; a row's own json_schema or grammar wins (empty = none)"),
    GRAMMAR(
            "grammar",
            "",
            "generate mode: a GBNF grammar (its text) every output must follow; exclusive with json-schema"),
    FORMAT(
            "format",
            "jsonl",
            "output rows as jsonl (JSON lines), tsv (Hive text, backslash-escaped), orc or parquet (compressed by"
                    + " default: orc.compress, parquet.compression); text outputs honour"
                    + " mapreduce.output.fileoutputformat.compress and its codec"),
    INPUT_FORMAT(
            "input-format",
            "auto",
            "auto (ORC and Parquet by their magic bytes; files ending .jsonl or .json, a compression suffix removed,"
                    + " are JSON lines; others a Hive text table when field-delimiter is set, else id<TAB>prompt), jsonl,"
                    + " tsv, text (a Hive text table), orc or parquet"),
    ID_COL(
            "id-col",
            "id",
            "ORC and Parquet: the id column's name; Hive text tables: its position (1 = first), or the default"
                    + " (first column)"),
    PROMPT_COL(
            "prompt-col",
            "prompt",
            "ORC and Parquet: the prompt column's name (the text column in embed mode); Hive text tables: its"
                    + " position (1 = first), or the default (second column)"),
    FIELD_DELIMITER(
            "field-delimiter",
            "",
            "Hive text tables: the field delimiter (field.delim) as one character, \\t, an octal \\NNN or"
                    + " \\uXXXX escape, or a decimal byte value as Hive takes it; empty = \\001, Hive's default."
                    + " Setting it makes input-format auto read non-JSON files as Hive text"),
    ESCAPE_CHAR(
            "escape-char",
            "",
            "Hive text tables: the escape character (escape.delim) the table was written with; empty = none (Hive's"
                    + " default); the escapes \\r and \\n read back as CR and LF"),
    RESUME(
            "resume",
            "",
            "a previous run's output directory (finished or killed): rows whose id is there are not run again; its"
                    + " rows are copied into the new output, which then holds every row once"),
    MAX_LINE_BYTES("max-line-bytes", "1048576", "longer input lines are rejected unparsed"),
    MAX_REJECT_FRACTION(
            "max-reject-fraction", "0.1", "the job fails when rejected rows / input rows exceed this, in [0, 1]"),
    ROWS_PER_TASK("rows-per-task", "0", "input lines per map task (NLineInputFormat); 0 = one task per file block"),
    FAULT_HALT_AFTER_ROWS(
            "fault.halt-after-rows",
            "0",
            "testing only: the first attempt of every map task halts its JVM "
                    + "after writing this many rows (retry-safety tests on a cluster; ignored by the local runner); 0 = off"),
    FAULT_HALT_IN_COMMIT(
            "fault.halt-in-commit",
            "0",
            "testing only: attempts numbered below this (0 is the first) of every map"
                    + " task halt their JVM in task commit, just after the committer moved their files (commit-safety tests on a"
                    + " cluster; ignored by the local runner); 0 = off");

    /** The prefix of every key. */
    public static final String PREFIX = "drafthorse.infer.";

    private final String key;
    private final String defaultValue;
    private final String description;

    InferKey(String name, String defaultValue, String description) {
        this.key = PREFIX + name;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    /** The full key, e.g. {@code drafthorse.infer.batch}. */
    public String key() {
        return key;
    }

    /** The default as a string, or null when the key is required. */
    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }
}
