package dev.drafthorse.jobs.infer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drafthorse.kernels.batch.BatchResult;
import dev.drafthorse.kernels.generate.Scorer;
import dev.drafthorse.rows.JsonText;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The output rows of {@code infer}, in the contract other modules read. Nothing in a row depends on timing, host,
 * task or attempt, so a rerun writes the same bytes.
 *
 * <pre>
 * generate, jsonl: {"id": "r1", "text": "...", "tokens": 17, "finish_reason": "eos|stop|length|context", "prompt_tokens": 42}
 * score, jsonl:    {"id": "r1", "prompt_tokens": 42,
 *                   "candidates": [{"candidate": "positive", "logprob": -1.23, "prob": 0.71, "tokens": 2}, ...]}
 * generate, tsv:   id TAB text TAB tokens TAB finish_reason TAB prompt_tokens
 * score, tsv:      id TAB candidate TAB logprob TAB prob TAB tokens TAB prompt_tokens   (one line per candidate)
 * </pre>
 *
 * {@code tokens} counts generated (or candidate) tokens; {@code prob} is the softmax of the row's candidate
 * log-probabilities. TSV fields are escaped as Hive's LazySimpleSerDe reads them with {@code ESCAPED BY '\\'} and
 * {@code serialization.escape.crlf=true}: backslash, tab, CR and LF become {@code \\}, backslash-tab, {@code \r},
 * {@code \n}.
 */
public final class OutputRows {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OutputRows() {}

    /** One generated row. */
    public static String generate(BatchResult r, int promptTokens, InferSettings.Format format) {
        if (format == InferSettings.Format.TSV) {
            return tsv(r.id())
                    + '\t'
                    + tsv(r.text())
                    + '\t'
                    + r.tokens().length
                    + '\t'
                    + r.finish().label()
                    + '\t'
                    + promptTokens;
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("id", r.id());
        o.put("text", r.text());
        o.put("tokens", r.tokens().length);
        o.put("finish_reason", r.finish().label());
        o.put("prompt_tokens", promptTokens);
        return write(o);
    }

    /** One scored row: each candidate's log-probability and its probability among the row's candidates. */
    public static String score(
            String id,
            int promptTokens,
            List<String> candidates,
            List<Scorer.Score> scores,
            InferSettings.Format format) {
        double[] prob = Scorer.probabilities(scores);
        if (format == InferSettings.Format.TSV) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < candidates.size(); i++) {
                Scorer.Score s = scores.get(i);
                lines.add(tsv(id)
                        + '\t'
                        + tsv(candidates.get(i))
                        + '\t'
                        + s.logprob()
                        + '\t'
                        + prob[i]
                        + '\t'
                        + s.tokens().length
                        + '\t'
                        + promptTokens);
            }
            return String.join("\n", lines);
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("prompt_tokens", promptTokens);
        ArrayNode a = o.putArray("candidates");
        for (int i = 0; i < candidates.size(); i++) {
            ObjectNode c = a.addObject();
            c.put("candidate", candidates.get(i));
            c.put("logprob", scores.get(i).logprob());
            c.put("prob", prob[i]);
            c.put("tokens", scores.get(i).tokens().length);
        }
        return write(o);
    }

    /**
     * A rejected row: where it was, its id when readable, the reason, and the start of the line (invalid UTF-8
     * shown as U+FFFD).
     */
    public static String reject(String file, long offset, String id, String reason, byte[] line, int length) {
        ObjectNode o = JSON.createObjectNode();
        o.put("file", file);
        o.put("offset", offset);
        if (id == null) {
            o.putNull("id");
        } else {
            o.put("id", id);
        }
        o.put("reason", reason);
        int shown = Math.min(length, 1000);
        String text = new String(line, 0, shown, StandardCharsets.UTF_8);
        o.put("input", shown < length ? text + "..." : text);
        return write(o);
    }

    /** Hive LazySimpleSerDe escaping (escape char backslash, CR/LF escaped as \r and \n). */
    public static String tsv(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = switch (c) {
                case '\\' -> "\\\\";
                case '\t' -> "\\\t";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                default -> null;
            };
            if (rep != null && b == null) {
                b = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (b != null) {
                if (rep != null) {
                    b.append(rep);
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? s : b.toString();
    }

    private static String write(ObjectNode o) {
        try {
            // Lone surrogates (a JSON id may hold one) as escapes: Text would write them as '?'.
            return JsonText.escapeLoneSurrogates(JSON.writeValueAsString(o));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
