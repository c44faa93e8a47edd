package dev.drafthorse.hive;

import dev.drafthorse.kernels.grammar.Grammar;
import dev.drafthorse.kernels.grammar.GrammarConstraint;
import dev.drafthorse.kernels.grammar.JsonSchemaGrammar;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.sampling.TokenConstraint;
import dev.drafthorse.kernels.speculative.Speculation;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.util.List;
import java.util.Map;

/**
 * The options map of {@code llm_generate}, validated key by key: an unknown key, a value that does not
 * parse and a value out of range each fail with the key's name. Defaults match {@code drafthorse
 * generate}: greedy, 128 new tokens, seed 0.
 *
 * <table>
 *   <caption>keys</caption>
 *   <tr><td>n</td><td>samples per prompt, one row each (default 1)</td></tr>
 *   <tr><td>max_new_tokens</td><td>at most this many generated tokens (default 128)</td></tr>
 *   <tr><td>temperature</td><td>0 = greedy (default); typical 0.7–1.0</td></tr>
 *   <tr><td>top_k</td><td>keep the K most likely tokens, 0 = off (default)</td></tr>
 *   <tr><td>top_p</td><td>nucleus mass in (0, 1], 1 = off (default)</td></tr>
 *   <tr><td>min_p</td><td>drop tokens below min_p × the top probability, [0, 1), 0 = off (default)</td></tr>
 *   <tr><td>seed</td><td>random seed (default 0)</td></tr>
 *   <tr><td>stop</td><td>a stop string: generation ends at it, and it is cut off</td></tr>
 *   <tr><td>draft</td><td>a draft model (same vocabulary) for speculative decoding: a path like model_path's</td></tr>
 *   <tr><td>lookup</td><td>true for n-gram lookup speculation (no second model); exclusive with draft</td></tr>
 *   <tr><td>draft_max, lookup_ngram</td><td>longest draft (default 8); longest suffix lookup matches (default 3)</td></tr>
 *   <tr><td>chat, system, date</td><td>'true': the prompt is one user message (after the system message) rendered by
 *   the model's chat template; the date its strftime_now reads (see {@link ChatOptions})</td></tr>
 * </table>
 *
 * @param n samples per prompt
 * @param generation what each sample does (its sampler's seed is {@code seed})
 * @param seed the seed of every sample's random stream (see {@link #rng})
 * @param draft the draft model's path, or null
 * @param speculation how tokens are drafted (greedy output is plain greedy's either way; sampled output keeps the
 *     target's distribution, with other draws)
 * @param chat the chat template options
 */
record LlmOptions(
        int n,
        GenerationOptions generation,
        long seed,
        String draft,
        Speculation speculation,
        ChatOptions chat,
        Grammar grammar) {
    static final List<String> KEYS = List.of(
            "n",
            "max_new_tokens",
            "temperature",
            "top_k",
            "top_p",
            "min_p",
            "seed",
            "stop",
            "draft",
            "lookup",
            "draft_max",
            "lookup_ngram",
            "chat",
            "system",
            "date",
            "json_schema",
            "grammar");

    static final LlmOptions DEFAULTS = parse(Map.of());

    /** @throws IllegalArgumentException naming the key at fault */
    static LlmOptions parse(Map<String, String> options) {
        for (String key : options.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException(
                        "unknown option '" + key + "' (known: " + String.join(", ", KEYS) + ")");
            }
        }
        int n = (int) integer(options, "n", 1, 1, Integer.MAX_VALUE);
        int maxNew = (int) integer(options, "max_new_tokens", 128, 0, Integer.MAX_VALUE);
        long seed = integer(options, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE);
        float temperature = number(options, "temperature", 0f);
        int topK = (int) integer(options, "top_k", 0, 0, Integer.MAX_VALUE);
        float topP = number(options, "top_p", 1f);
        float minP = number(options, "min_p", 0f);
        SamplerOptions sampler;
        try {
            sampler = new SamplerOptions(temperature, topK, topP, minP, seed);
        } catch (IllegalArgumentException e) {
            // The sampler names its parameters as the command line does (top-p); say it the SQL way (top_p).
            String msg = e.getMessage()
                    .replace("top-k", "top_k")
                    .replace("top-p", "top_p")
                    .replace("min-p", "min_p");
            throw new IllegalArgumentException("option " + msg, e);
        }
        String stop = options.get("stop");
        if (stop != null && stop.isEmpty()) {
            throw new IllegalArgumentException("option 'stop' must not be empty");
        }
        GenerationOptions g =
                new GenerationOptions(maxNew, sampler, stop == null ? List.of() : List.of(stop), KvType.F32, 256, 0);
        String draft = options.get("draft");
        if (draft != null && draft.isBlank()) {
            throw new IllegalArgumentException("option 'draft' must name a model");
        }
        String lookup = options.getOrDefault("lookup", "false").trim();
        if (!lookup.equals("true") && !lookup.equals("false")) {
            throw new IllegalArgumentException("option 'lookup' must be true or false, got '" + lookup + "'");
        }
        if (draft != null && lookup.equals("true")) {
            throw new IllegalArgumentException("options 'draft' and 'lookup' are exclusive");
        }
        int draftMax = (int) integer(options, "draft_max", 8, 1, 64);
        int ngram = (int) integer(options, "lookup_ngram", 3, 1, 16);
        Speculation spec = draft != null
                ? Speculation.draft(draftMax)
                : lookup.equals("true") ? Speculation.lookup(draftMax, ngram) : Speculation.NONE;
        String schema = options.get("json_schema");
        String gbnf = options.get("grammar");
        if (schema != null && gbnf != null) {
            throw new IllegalArgumentException("options 'json_schema' and 'grammar' are exclusive");
        }
        Grammar grammar = schema != null
                ? JsonSchemaGrammar.compile(schema, "option 'json_schema'")
                : gbnf != null ? Grammar.parse(gbnf, "option 'grammar'") : null;
        return new LlmOptions(n, g, seed, draft, spec, ChatOptions.parse(options), grammar);
    }

    /** A fresh constraint for one sample, or null without a grammar. */
    TokenConstraint constraint(Tokenizer tokenizer) {
        return grammar == null ? null : new GrammarConstraint(grammar, tokenizer);
    }

    /**
     * Sample {@code i}'s random stream: a function of (seed, prompt, i) only, so a row gives the same
     * samples in any query, task or batch.
     */
    Rng rng(String prompt, int i) {
        return Rng.forRow(seed, prompt + "#" + i);
    }

    static long integer(Map<String, String> m, String key, long fallback, long min, long max) {
        String v = m.get(key);
        if (v == null) {
            return fallback;
        }
        long x;
        try {
            x = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option '" + key + "' must be an integer, got '" + v + "'");
        }
        if (x < min || x > max) {
            throw new IllegalArgumentException("option '" + key + "' must be in [" + min + ", " + max + "], got " + x);
        }
        return x;
    }

    private static float number(Map<String, String> m, String key, float fallback) {
        String v = m.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Float.parseFloat(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option '" + key + "' must be a number, got '" + v + "'");
        }
    }
}
