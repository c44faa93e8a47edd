package dev.drafthorse.hive;

/**
 * The counters the LLM functions add to a Hive query's MapReduce job (group {@code dev.drafthorse.hive.HiveCounter}),
 * visible in the job's counters on a cluster and in {@code MapRedStats} in-process. A query Hive runs as a fetch task
 * (no job) has no counters: the functions then log the count at {@code close}.
 */
public enum HiveCounter {
    /** {@code llm_generate} rows that gave an error value instead of text. */
    LLM_GENERATE_ROW_ERRORS,
    /** {@code llm_score} rows whose candidates got an error value instead of scores. */
    LLM_SCORE_ROW_ERRORS,
    /** {@code llm_embed} rows that gave NULL because they could not be embedded. */
    LLM_EMBED_ROW_ERRORS,
    /** {@code llm_infer} rows that gave an error value instead of text. */
    LLM_INFER_ROW_ERRORS,
    /** {@code llm_infer} rows decoded (by the batch engine). */
    LLM_INFER_ROWS_DECODED,
    /** {@code llm_infer} tokens generated. */
    LLM_INFER_GENERATED_TOKENS
}
