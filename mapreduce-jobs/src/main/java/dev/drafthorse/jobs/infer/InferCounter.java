package dev.drafthorse.jobs.infer;

/** Counters of the {@code infer} job (group {@code dev.drafthorse.jobs.infer.InferCounter}). */
public enum InferCounter {
    /** Input rows read (every line, or ORC/Parquet row, is a row, good or bad). */
    ROWS_IN,
    /** Rows written to the output. */
    ROWS_OUT,
    /** Rows written to {@code _rejects/} with their reason. */
    ROWS_REJECTED,
    /**
     * Rows skipped because a previous run's output (--resume) holds their id; their rows were copied into the output.
     * For every run, ROWS_IN = ROWS_OUT + ROWS_REJECTED + ROWS_RESUMED.
     */
    ROWS_RESUMED,
    /** Prompt tokens of the rows run (BOS included). */
    PROMPT_TOKENS,
    /** Tokens generated (generate mode) or candidate tokens scored (score mode). */
    GENERATED_TOKENS,
    /** Drafted tokens sent to verification (speculative decoding). */
    DRAFTED,
    /** Drafted tokens the target accepted. */
    ACCEPTED,
    /** Milliseconds spent loading the model(s), summed over tasks. */
    MODEL_LOAD_MS,
    /** Milliseconds spent decoding or scoring, summed over tasks. */
    DECODE_MS,
    /** Rows whose prompt reused cached KV blocks of an earlier row's prefix. */
    PREFIX_CACHE_HITS,
    /** Rows whose prompt reused nothing from the prefix cache. */
    PREFIX_CACHE_MISSES,
    /** Prompt tokens not recomputed thanks to the prefix cache. */
    PREFIX_TOKENS_SAVED,
    /** Tasks whose JVM had the Vector API (jdk.incubator.vector). */
    TASKS_VECTOR,
    /** Tasks that ran the scalar kernels because their JVM lacked the Vector API module. */
    TASKS_SCALAR
}
