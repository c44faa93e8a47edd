package dev.drafthorse.rows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drafthorse.kernels.chat.ChatTemplate;
import dev.drafthorse.kernels.chat.Message;
import dev.drafthorse.kernels.grammar.Grammar;
import dev.drafthorse.kernels.grammar.JsonSchemaGrammar;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Parses and validates input rows, shared by {@code batch} and the {@code infer} job, so both reject the same
 * rows for the same reasons.
 *
 * <p>Two row forms: a JSON object per line ({@code {"id", "prompt", per-row options}}, or {@code "messages"}:
 * a conversation {@code [{"role", "content"}, …]} for the model's chat template, in place of the prompt), and a text line
 * {@code id<TAB>prompt} (the form of a two-column Hive text table; the prompt is everything after the first tab,
 * taken as written). Rows arrive as raw bytes so invalid UTF-8 is a bad row, never a crash. Every problem is a
 * {@link BadRow} with a reason and, when it was readable, the id.
 */
public final class RowParser {
    /** Per-row options of generate mode, besides id and prompt. */
    public static final Set<String> GENERATE_OPTIONS = Set.of(
            "max_new_tokens", "temperature", "top_k", "top_p", "min_p", "seed", "stop", "grammar", "json_schema");
    /** Per-row options of score mode. */
    /** Compiled grammars by their text, shared by the rows that repeat one. */
    private final Map<String, Grammar> grammars = new HashMap<>();

    public static final Set<String> SCORE_OPTIONS = Set.of("candidates");

    private final RowMode mode;
    private final RowDefaults defaults;
    private final Set<String> options;
    private final String known;
    private final ObjectMapper json = new ObjectMapper();
    private final boolean chat;
    private final String system;

    /** Rows as written: a {@code "messages"} row is rendered by the chat template, prompts are sent as they are. */
    public RowParser(RowMode mode, RowDefaults defaults) {
        this(mode, defaults, false, null);
    }

    /**
     * @param chat every prompt (a JSON {@code "prompt"} or a text row's prompt) becomes one user message for the
     *     chat template ({@code --chat}); {@code "messages"} rows are conversations either way
     * @param system with {@code chat}: a system message put before each such prompt (null: none)
     */
    public RowParser(RowMode mode, RowDefaults defaults, boolean chat, String system) {
        this.chat = chat;
        this.system = system;
        this.mode = mode;
        this.defaults = defaults;
        this.options = mode == RowMode.GENERATE ? GENERATE_OPTIONS : SCORE_OPTIONS;
        this.known = String.join(", ", new TreeSet<>(options));
    }

    public RowMode mode() {
        return mode;
    }

    /** Strict UTF-8: malformed input is a bad row (with {@code id} when it is already known). */
    public static String utf8(byte[] b, int off, int len, String id) throws BadRow {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, off, len))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new BadRow(id, "invalid UTF-8");
        }
    }

    /** A JSON-lines row. */
    public Row json(byte[] b, int off, int len) throws BadRow {
        String line = utf8(b, off, len, null);
        if (line.isBlank()) {
            throw new BadRow(null, "empty line");
        }
        JsonNode n;
        try {
            n = json.readTree(line);
        } catch (JsonProcessingException e) {
            throw new BadRow(null, "not JSON: " + e.getOriginalMessage());
        } catch (RuntimeException e) {
            // Jackson reports a few pathological inputs (nesting past its limits) as unchecked exceptions.
            throw new BadRow(null, "not JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new BadRow(null, "not a JSON object");
        }
        JsonNode idNode = n.get("id");
        if (idNode == null || !(idNode.isTextual() || idNode.isIntegralNumber())) {
            throw new BadRow(null, "missing id (a string or an integer)");
        }
        String id = idNode.asText();
        if (id.isEmpty()) {
            throw new BadRow(null, "empty id");
        }
        JsonNode p = n.get("prompt");
        JsonNode m = n.get("messages");
        List<Message> messages = null;
        String prompt;
        if (m != null) {
            if (p != null) {
                throw new BadRow(id, "a row has a prompt or messages, not both");
            }
            try {
                messages = Messages.parse(m, "messages");
            } catch (IllegalArgumentException e) {
                throw new BadRow(id, e.getMessage());
            }
            prompt = messages.get(messages.size() - 1).content();
        } else {
            if (p == null || !p.isTextual()) {
                throw new BadRow(id, "missing prompt (a string) or messages (an array of {\"role\", \"content\"})");
            }
            if (p.asText().isEmpty()) {
                throw new BadRow(id, "empty prompt");
            }
            prompt = p.asText();
            try {
                JsonText.requireUnicode("prompt", prompt);
            } catch (IllegalArgumentException e) {
                throw new BadRow(id, e.getMessage());
            }
            messages = chat ? ChatTemplate.userTurn(system, prompt) : null;
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("id") && !f.equals("prompt") && !f.equals("messages") && !options.contains(f)) {
                throw new BadRow(id, "unknown option '" + f + "' (" + mode.label() + " rows take: " + known + ")");
            }
        }
        try {
            if (mode == RowMode.SCORE) {
                return new Row(id, prompt, 0, defaults.sampler(), List.of(), candidates(n.get("candidates")), messages);
            }
            int maxNew = n.has("max_new_tokens") ? intField(n, "max_new_tokens") : defaults.maxNewTokens();
            SamplerOptions base = defaults.sampler();
            SamplerOptions so = new SamplerOptions(
                    n.has("temperature") ? (float) numField(n, "temperature") : base.temperature(),
                    n.has("top_k") ? intField(n, "top_k") : base.topK(),
                    n.has("top_p") ? (float) numField(n, "top_p") : base.topP(),
                    n.has("min_p") ? (float) numField(n, "min_p") : base.minP(),
                    n.has("seed") ? longField(n, "seed") : base.seed());
            List<String> stop = defaults.stop();
            if (n.has("stop")) {
                stop = strings(n.get("stop"), "stop", true);
                for (String s : stop) {
                    if (s.isEmpty()) {
                        throw new IllegalArgumentException("stop strings must not be empty");
                    }
                    JsonText.requireUnicode("stop", s);
                }
            }
            return new Row(id, prompt, maxNew, so, stop, List.of(), messages, grammar(n));
        } catch (IllegalArgumentException e) {
            throw new BadRow(id, e.getMessage());
        }
    }

    /** An {@code id<TAB>prompt} row. */
    public Row tsv(byte[] b, int off, int len) throws BadRow {
        int tab = -1;
        for (int i = off; i < off + len; i++) {
            if (b[i] == '\t') {
                tab = i;
                break;
            }
        }
        if (tab < 0) {
            if (len == 0) {
                throw new BadRow(null, "empty line");
            }
            throw new BadRow(null, "no tab: a text row is id<TAB>prompt");
        }
        String id = utf8(b, off, tab - off, null);
        if (id.isEmpty()) {
            throw new BadRow(null, "empty id");
        }
        return fields(id, utf8(b, tab + 1, off + len - tab - 1, id));
    }

    /**
     * A row from its id and prompt already split out of a record (a text line, a Hive text table's fields, an ORC or
     * Parquet row), with the job's defaults; the prompt is taken as written.
     */
    public Row fields(String id, String prompt) throws BadRow {
        if (id.isEmpty()) {
            throw new BadRow(null, "empty id");
        }
        if (prompt.isEmpty()) {
            throw new BadRow(id, "empty prompt");
        }
        if (mode == RowMode.SCORE) {
            try {
                return new Row(id, prompt, 0, defaults.sampler(), List.of(), candidates(null), userTurn(prompt));
            } catch (IllegalArgumentException e) {
                throw new BadRow(id, e.getMessage());
            }
        }
        return new Row(
                id,
                prompt,
                defaults.maxNewTokens(),
                defaults.sampler(),
                defaults.stop(),
                List.of(),
                userTurn(prompt),
                defaults.grammar());
    }

    /**
     * The row's grammar: its {@code grammar} (GBNF text) or {@code json_schema} (a schema object, or its JSON text),
     * else the job's. Rows repeating a grammar share one compiled copy.
     *
     * @throws IllegalArgumentException (a {@link dev.drafthorse.kernels.grammar.GrammarException}) naming the field
     *     and the position of the error
     */
    private Grammar grammar(JsonNode n) {
        JsonNode g = n.get("grammar");
        JsonNode s = n.get("json_schema");
        if (g != null && s != null) {
            throw new IllegalArgumentException("a row has grammar or json_schema, not both");
        }
        if (g != null) {
            if (!g.isTextual()) {
                throw new IllegalArgumentException("grammar must be a string (GBNF text)");
            }
            return grammars.computeIfAbsent("g:" + g.asText(), k -> Grammar.parse(g.asText(), "grammar"));
        }
        if (s != null) {
            if (!s.isObject() && !s.isTextual()) {
                throw new IllegalArgumentException("json_schema must be a JSON object (or its text)");
            }
            String text = s.isTextual() ? s.asText() : s.toString();
            return grammars.computeIfAbsent("s:" + text, k -> JsonSchemaGrammar.compile(text, "json_schema"));
        }
        return defaults.grammar();
    }

    /** With {@code --chat}, a text row's prompt is one user message (after the system message, if any). */
    private List<Message> userTurn(String prompt) {
        return chat ? ChatTemplate.userTurn(system, prompt) : null;
    }

    private List<String> candidates(JsonNode node) {
        List<String> c = node == null ? defaults.candidates() : strings(node, "candidates", false);
        if (c.isEmpty()) {
            throw new IllegalArgumentException(
                    node == null
                            ? "no candidates: give --candidates or a per-row candidates array"
                            : "candidates must not be empty");
        }
        for (String s : c) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("candidates must not hold an empty string");
            }
            JsonText.requireUnicode("candidates", s);
        }
        return c;
    }

    private static List<String> strings(JsonNode s, String field, boolean allowSingle) {
        List<String> out = new ArrayList<>();
        String what = field + " must be " + (allowSingle ? "a string or " : "") + "an array of strings";
        if (allowSingle && s.isTextual()) {
            out.add(s.asText());
        } else if (s.isArray()) {
            for (JsonNode e : s) {
                if (!e.isTextual()) {
                    throw new IllegalArgumentException(what);
                }
                out.add(e.asText());
            }
        } else {
            throw new IllegalArgumentException(what);
        }
        return out;
    }

    private static double numField(JsonNode n, String f) {
        JsonNode v = n.get(f);
        if (!v.isNumber()) {
            throw new IllegalArgumentException(f + " must be a number, got " + v);
        }
        return v.asDouble();
    }

    private static int intField(JsonNode n, String f) {
        JsonNode v = n.get(f);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException(f + " must be an integer, got " + v);
        }
        if (v.asInt() < 0) {
            throw new IllegalArgumentException(f + " must be >= 0, got " + v);
        }
        return v.asInt();
    }

    private static long longField(JsonNode n, String f) {
        JsonNode v = n.get(f);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException(f + " must be an integer, got " + v);
        }
        return v.asLong();
    }
}
