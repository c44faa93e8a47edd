package dev.drafthorse.hive;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Drafthorse functions and their classes: what {@link EmbeddedHive} registers in every session and
 * what {@code drafthorse-functions.sql} registers permanently on a cluster.
 */
public final class Functions {
    private Functions() {}

    /** Function name to implementing class, in documentation order. */
    public static Map<String, Class<?>> all() {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        m.put("explode_prompts", ExplodePromptsUDTF.class);
        m.put("explode_chunks", ExplodeChunksUDTF.class);
        m.put("llm_generate", LlmGenerateUDTF.class);
        m.put("llm_score", LlmScoreUDTF.class);
        m.put("llm_embed", LlmEmbedUDF.class);
        m.put("ensemble_predict", EnsemblePredictUDF.class);
        return m;
    }

    /** {@code CREATE TEMPORARY FUNCTION} statements for the current session. */
    static String[] temporaryDdl() {
        return all().entrySet().stream()
                .map(e -> "CREATE TEMPORARY FUNCTION " + e.getKey() + " AS '" + e.getValue().getName() + "'")
                .toArray(String[]::new);
    }
}
