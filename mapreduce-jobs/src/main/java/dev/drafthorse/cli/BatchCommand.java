package dev.drafthorse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drafthorse.kernels.batch.BatchEngine;
import dev.drafthorse.kernels.batch.BatchOptions;
import dev.drafthorse.kernels.batch.BatchResult;
import dev.drafthorse.kernels.batch.PrefixCache;
import dev.drafthorse.kernels.batch.Request;
import dev.drafthorse.kernels.grammar.Grammar;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.speculative.Speculation;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.rows.BadRow;
import dev.drafthorse.rows.ChatRows;
import dev.drafthorse.rows.JsonText;
import dev.drafthorse.rows.Prompts;
import dev.drafthorse.rows.RowDefaults;
import dev.drafthorse.rows.RowMode;
import dev.drafthorse.rows.RowParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.cli.Options;

/**
 * {@code batch}: many prompts from a JSON-lines file, decoded together (continuous batching, optional
 * speculation), written in input order. Bad lines go to a rejects file beside the output with their
 * reason, so input lines = output lines + rejected lines.
 */
final class BatchCommand implements Command {
    static final String USAGE =
            "drafthorse batch -m MODEL.gguf --input PROMPTS.jsonl --output OUT.jsonl [-n N] [--batch B]"
                    + " [--draft DRAFT.gguf | --lookup | --medusa HEADS.gguf [--tree SPEC] | --mtp HEADS.gguf]"
                    + " [--temperature T --seed S ...]"
                    + " [--threads T] [--chat [--system TEXT]] [--date YYYY-MM-DD] [--grammar FILE.gbnf | --json-schema FILE.json]";

    /** Per-row options a line may carry, besides id and prompt. */
    static final Set<String> ROW_OPTIONS = RowParser.GENERATE_OPTIONS;

    @Override
    public String name() {
        return "batch";
    }

    @Override
    public String summary() {
        return "generate for every line of a JSON-lines file (continuous batching, optional speculation)";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        ModelArgs.add(o);
        o.addOption(Args.opt(
                "i", "input", "PROMPTS.jsonl", "one JSON object per line: {\"id\", \"prompt\", per-row options}"));
        o.addOption(Args.opt("o", "output", "OUT.jsonl", "results in input order; rejects go to OUT.rejects.jsonl"));
        o.addOption(Args.opt("n", "max-tokens", "N", "default max_new_tokens per row (default 128)"));
        o.addOption(Args.opt("b", "batch", "B", "sequences decoded together (default 16)"));
        o.addOption(Args.opt(
                null, "max-kv-positions", "N", "bound on KV positions of all active sequences (default: unbounded)"));
        o.addOption(Args.opt(
                null,
                "prefix-cache",
                "MB",
                "MiB of cached KV blocks of prompt prefixes reused across rows (default 256;"
                        + " 0 = off); outputs are bit-identical either way"));
        o.addOption(Args.opt(null, "ctx-size", "N", "context window per row (default: the model's trained context)"));
        GenerateCommand.addSamplingOptions(o);
        GenerateCommand.addSpeculationOptions(o);
        GenerateCommand.addGrammarOptions(
                o, "every row's output (unless the row has its own \"grammar\" or \"json_schema\")");
        ChatArgs.add(
                o,
                "every row's prompt becomes one user message for the chat template (rows with \"messages\""
                        + " always go through it)");
        Args a = Args.parse(
                USAGE,
                "Rows: {\"id\", \"prompt\"} or {\"id\", \"messages\": [{\"role\", \"content\"}, ...]} (rendered"
                        + " by the model's chat template). Row options: "
                        + String.join(", ", ROW_OPTIONS.stream().sorted().toList())
                        + ". Each row samples from its own stream seeded by (seed, id).",
                o,
                args);
        if (a == null) {
            return 0;
        }
        Path input = ModelArgs.localPath(a.require("input"));
        Path output = Path.of(a.require("output"));
        Path rejects = rejectsPath(output);
        int defaultN = a.getInt("max-tokens", 128, 0, Integer.MAX_VALUE);
        int batch = a.getInt("batch", 16, 1, 4096);
        long maxKv = a.getLong("max-kv-positions", Long.MAX_VALUE);
        if (maxKv < 1) {
            throw new UsageException("--max-kv-positions must be >= 1, got " + maxKv);
        }
        SamplerOptions base = GenerateCommand.sampler(a);
        Grammar grammar = GenerateCommand.grammar(a);
        ObjectMapper json = new ObjectMapper();
        try (Parallel par = new Parallel(ModelArgs.threads(a))) {
            Model model = ModelArgs.load(a, par);
            Model draft = GenerateCommand.draftModel(a, par);
            dev.drafthorse.kernels.heads.Heads heads = GenerateCommand.heads(a, model);
            Speculation spec = GenerateCommand.speculation(a, heads);
            int ctx = a.getInt("ctx-size", model.config().contextLength(), 1, Integer.MAX_VALUE);
            RowParser parser = new RowParser(
                    RowMode.GENERATE,
                    new RowDefaults(defaultN, base, List.of(), List.of(), grammar),
                    ChatArgs.chat(a),
                    a.get("system", null));
            ChatRows chat = new ChatRows(model, ChatArgs.date(a));
            List<Request> requests = new ArrayList<>();
            int lines = 0;
            int rejected = 0;
            try (BufferedWriter rej = Files.newBufferedWriter(rejects, StandardCharsets.UTF_8)) {
                for (byte[] raw : readLines(input)) {
                    lines++;
                    try {
                        requests.add(Prompts.request(parser.json(raw, 0, raw.length), model, chat, ctx, 128));
                    } catch (BadRow e) {
                        rejected++;
                        ObjectNode r = json.createObjectNode();
                        r.put("line", lines);
                        if (e.id() != null) {
                            r.put("id", e.id());
                        }
                        r.put("reason", e.getMessage());
                        String text = new String(raw, StandardCharsets.UTF_8);
                        r.put("input", text.length() > 1000 ? text.substring(0, 1000) + "..." : text);
                        rej.write(JsonText.escapeLoneSurrogates(json.writeValueAsString(r)) + "\n");
                    }
                }
            }
            if (rejected == 0) {
                Files.deleteIfExists(rejects);
            }
            int cacheMb = a.getInt("prefix-cache", 256, 0, 1 << 20);
            PrefixCache cache = cacheMb == 0 ? null : new PrefixCache(model, KvType.F32, (long) cacheMb << 20);
            BatchEngine engine = new BatchEngine(model, draft, heads).withPrefixCache(cache);
            int total = requests.size();
            long start = System.nanoTime();
            Map<Integer, BatchResult> done = new HashMap<>();
            int[] next = {0};
            long[] tokens = {0};
            try (BufferedWriter out = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
                // Rows sharing a prefix are admitted together for cache hits; the file is still written in input order.
                engine.run(
                        requests, new BatchOptions(batch, maxKv, 128, spec, cache != null), new BatchEngine.Listener() {
                            long lastReport = System.nanoTime();

                            @Override
                            public void finished(int index, BatchResult r) {
                                done.put(index, r);
                                tokens[0] += r.tokens().length;
                                try {
                                    while (done.containsKey(next[0])) {
                                        // One write per line, lone surrogates escaped: never a line the encoder refuses
                                        // halfway.
                                        out.write(JsonText.escapeLoneSurrogates(
                                                        json.writeValueAsString(toJson(json, done.remove(next[0]))))
                                                + "\n");
                                        next[0]++;
                                    }
                                } catch (IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                                long now = System.nanoTime();
                                if (now - lastReport > 2_000_000_000L) {
                                    lastReport = now;
                                    System.err.printf(
                                            "batch: %d/%d rows, %.1f tok/s%n",
                                            next[0], total, tokens[0] * 1e9 / (now - start));
                                }
                            }
                        });
            }
            BatchEngine.EngineStats s = engine.stats();
            System.err.printf(
                    "batch: %d lines: %d written to %s, %d rejected%s; %d tokens in %.1f s (%.1f tok/s), %d target passes%s%n",
                    lines,
                    total,
                    output,
                    rejected,
                    rejected > 0 ? " (" + rejects + ")" : "",
                    s.generated,
                    s.nanos / 1e9,
                    s.tokensPerSecond(),
                    s.targetPasses,
                    s.drafted > 0 ? String.format(", drafted %d accepted %d", s.drafted, s.accepted) : "");
            if (cache != null) {
                System.err.printf(
                        "batch: prefix cache: %d hits, %d misses, %d prompt tokens reused%n",
                        cache.hits(), cache.misses(), cache.tokensSaved());
            }
        }
        return 0;
    }

    /** {@code out.jsonl} → {@code out.rejects.jsonl}; no extension → {@code out.rejects}. */
    static Path rejectsPath(Path output) {
        String name = output.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String r = dot > 0 ? name.substring(0, dot) + ".rejects" + name.substring(dot) : name + ".rejects";
        return output.resolveSibling(r);
    }

    /** The file's lines as bytes, so invalid UTF-8 is a row error rather than a crash. */
    static List<byte[]> readLines(Path p) throws IOException {
        byte[] all = Files.readAllBytes(p);
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= all.length; i++) {
            if (i == all.length || all[i] == '\n') {
                int end = i > start && all[i - 1] == '\r' ? i - 1 : i;
                if (i < all.length || end > start) {
                    lines.add(java.util.Arrays.copyOfRange(all, start, end));
                }
                start = i + 1;
            }
        }
        return lines;
    }

    static ObjectNode toJson(ObjectMapper json, BatchResult r) {
        ObjectNode o = json.createObjectNode();
        o.put("id", r.id());
        o.put("text", r.text());
        o.set("tokens", json.valueToTree(r.tokens()));
        o.put("finish_reason", r.finish().label());
        ObjectNode s = o.putObject("stats");
        s.put("prompt_tokens", r.stats().promptTokens());
        s.put("generated_tokens", r.stats().generatedTokens());
        s.put("draft_proposed", r.stats().draftProposed());
        s.put("draft_accepted", r.stats().draftAccepted());
        s.put("target_passes", r.stats().targetPasses());
        s.put("prefill_tok_s", GenerateCommand.round(r.stats().prefillTokensPerSecond()));
        s.put("decode_tok_s", GenerateCommand.round(r.stats().decodeTokensPerSecond()));
        return o;
    }
}
