package dev.drafthorse.ensemble.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The JSON-lines output of one {@code infer} run (one model × template), parsed.
 *
 * <p>A line that is not valid JSON, lacks an id, repeats an id, or has a field of the wrong type or range is
 * rejected with a reason naming the field (see {@link #rejects()}), never dropped silently. The first valid
 * line fixes the mode (score when it has {@code candidates}); a line of the other mode is rejected. Fields
 * not listed in {@link InferRecord} are ignored.
 */
public record InferOutput(String name, boolean score, List<InferRecord> records, List<RejectedRow> rejects)
        implements SourceData {

    /** The finish reasons {@code infer} writes, in feature order. */
    public static final List<String> FINISH_REASONS = List.of("eos", "stop", "length", "context");

    private static final ObjectMapper JSON = new ObjectMapper();

    public InferOutput {
        SourceData.checkName(name);
        records = List.copyOf(records);
        rejects = List.copyOf(rejects);
    }

    @Override
    public List<String> ids() {
        return records.stream().map(InferRecord::id).toList();
    }

    /**
     * @param name  the source name
     * @param where file or path for reject reasons
     * @param in    JSON lines; read to the end, not closed
     */
    public static InferOutput read(String name, String where, Reader in) throws IOException {
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        List<InferRecord> records = new ArrayList<>();
        List<RejectedRow> rejects = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Boolean score = null;
        String line;
        long lineNo = 0;
        while ((line = r.readLine()) != null) {
            lineNo++;
            if (lineNo == 1) {
                line = FeatureTable.stripBom(line);
            }
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                rejects.add(new RejectedRow(where, lineNo, "", "not valid JSON: " + e.getOriginalMessage()));
                continue;
            }
            String id = node != null && node.isObject() ? idOf(node.get("id")) : null;
            try {
                if (node == null || !node.isObject()) {
                    throw new BadRow("line is not a JSON object");
                }
                if (id == null) {
                    throw new BadRow("field 'id' is missing or not a string or integer");
                }
                InferRecord rec = parse(node, id, lineNo);
                if (score == null) {
                    score = rec.isScore();
                }
                if (rec.isScore() != score) {
                    throw new BadRow("row is " + mode(rec.isScore()) + " mode, the output is " + mode(score) + " mode");
                }
                if (!ids.add(id)) {
                    throw new BadRow("duplicate id");
                }
                records.add(rec);
            } catch (BadRow e) {
                rejects.add(new RejectedRow(where, lineNo, id == null ? "" : id, e.getMessage()));
            }
        }
        return new InferOutput(name, score != null && score, records, rejects);
    }

    private static String mode(boolean score) {
        return score ? "score" : "generate";
    }

    private static String idOf(JsonNode n) {
        if (n == null) {
            return null;
        }
        if (n.isTextual() && !n.asText().isEmpty()) {
            return n.asText();
        }
        if (n.isIntegralNumber()) {
            return n.asText();
        }
        return null;
    }

    private static InferRecord parse(JsonNode node, String id, long line) throws BadRow {
        Integer promptTokens = optionalCount(node, "prompt_tokens");
        JsonNode cands = node.get("candidates");
        if (cands != null && !cands.isNull()) {
            if (!cands.isArray() || cands.isEmpty()) {
                throw new BadRow("field 'candidates' must be a non-empty array");
            }
            List<InferRecord.Candidate> list = new ArrayList<>();
            Set<String> names = new HashSet<>();
            boolean allProb = true;
            for (int i = 0; i < cands.size(); i++) {
                JsonNode c = cands.get(i);
                String where = "candidates[" + i + "]";
                if (!c.isObject()) {
                    throw new BadRow("field '" + where + "' is not an object");
                }
                JsonNode nm = c.get("candidate");
                if (nm == null || !nm.isTextual()) {
                    throw new BadRow("field '" + where + ".candidate' is missing or not a string");
                }
                if (!names.add(nm.asText())) {
                    throw new BadRow("candidate '" + nm.asText() + "' appears twice");
                }
                JsonNode lp = c.get("logprob");
                if (lp == null || !lp.isNumber() || !Double.isFinite(lp.asDouble()) || lp.asDouble() > 1e-9) {
                    throw new BadRow("field '" + where + ".logprob' must be a finite number <= 0, found " + lp);
                }
                JsonNode pr = c.get("prob");
                double prob = Double.NaN;
                if (pr != null && !pr.isNull()) {
                    if (!pr.isNumber() || !(pr.asDouble() >= 0 && pr.asDouble() <= 1 + 1e-9)) {
                        throw new BadRow("field '" + where + ".prob' must be a number in [0, 1], found " + pr);
                    }
                    prob = Math.min(1.0, pr.asDouble());
                } else {
                    allProb = false;
                }
                Integer tokens = optionalCount(c, "tokens", where + ".tokens");
                list.add(new InferRecord.Candidate(nm.asText(), Math.min(0.0, lp.asDouble()), prob, tokens));
            }
            if (!allProb) {
                list = softmax(list);
            }
            return new InferRecord(id, line, promptTokens, null, null, null, List.copyOf(list));
        }
        JsonNode text = node.get("text");
        if (text == null || !text.isTextual()) {
            throw new BadRow("field 'text' is missing or not a string (and there are no 'candidates')");
        }
        Integer tokens = optionalCount(node, "tokens");
        if (tokens == null) {
            throw new BadRow("field 'tokens' is missing");
        }
        JsonNode fr = node.get("finish_reason");
        if (fr == null || !fr.isTextual() || !FINISH_REASONS.contains(fr.asText())) {
            throw new BadRow("field 'finish_reason' must be one of " + FINISH_REASONS + ", found " + fr);
        }
        return new InferRecord(id, line, promptTokens, text.asText(), tokens, fr.asText(), null);
    }

    /** When a row lacks some {@code prob}, all its probabilities are recomputed as a softmax of logprobs. */
    private static List<InferRecord.Candidate> softmax(List<InferRecord.Candidate> in) {
        double max = Double.NEGATIVE_INFINITY;
        for (InferRecord.Candidate c : in) {
            max = Math.max(max, c.logprob());
        }
        double sum = 0;
        for (InferRecord.Candidate c : in) {
            sum += Math.exp(c.logprob() - max);
        }
        List<InferRecord.Candidate> out = new ArrayList<>();
        for (InferRecord.Candidate c : in) {
            out.add(new InferRecord.Candidate(c.name(), c.logprob(), Math.exp(c.logprob() - max) / sum, c.tokens()));
        }
        return out;
    }

    private static Integer optionalCount(JsonNode node, String field) throws BadRow {
        return optionalCount(node, field, field);
    }

    private static Integer optionalCount(JsonNode node, String field, String label) throws BadRow {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || n.asLong() < 0 || n.asLong() > Integer.MAX_VALUE) {
            throw new BadRow("field '" + label + "' must be a non-negative integer, found " + n);
        }
        return n.asInt();
    }

    private static final class BadRow extends Exception {
        BadRow(String message) {
            super(message, null, false, false);
        }
    }
}
