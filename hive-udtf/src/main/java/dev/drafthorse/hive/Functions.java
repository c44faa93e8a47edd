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
        m.put("llm_infer", LlmInferUDTF.class);
        m.put("llm_score", LlmScoreUDTF.class);
        m.put("llm_embed", LlmEmbedUDF.class);
        ensemblePredict().ifPresent(c -> m.put("ensemble_predict", c));
        return m;
    }

    /**
     * {@code ensemble_predict}, when the ensemble module is on the class path: the jar built without it
     * ({@code drafthorse-<version>-no-ensemble.jar}) has the LLM functions only. Looked up by name so that this
     * class never links the ensemble types.
     */
    static java.util.Optional<Class<?>> ensemblePredict() {
        try {
            Class.forName("dev.drafthorse.ensemble.EnsembleModel", false, Functions.class.getClassLoader());
            return java.util.Optional.of(
                    Class.forName("dev.drafthorse.hive.EnsemblePredictUDF", false, Functions.class.getClassLoader()));
        } catch (ClassNotFoundException | LinkageError e) {
            return java.util.Optional.empty();
        }
    }

    /** {@code CREATE TEMPORARY FUNCTION} statements for the current session. */
    static String[] temporaryDdl() {
        return all().entrySet().stream()
                .map(e -> "CREATE TEMPORARY FUNCTION " + e.getKey() + " AS '"
                        + e.getValue().getName() + "'")
                .toArray(String[]::new);
    }
}
