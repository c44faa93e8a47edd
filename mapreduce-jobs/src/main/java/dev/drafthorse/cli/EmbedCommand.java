package dev.drafthorse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drafthorse.jobs.infer.EmbeddingRows;
import dev.drafthorse.jobs.infer.InferSettings;
import dev.drafthorse.kernels.batch.PrefixCache;
import dev.drafthorse.kernels.embed.Embedder;
import dev.drafthorse.kernels.embed.Normalization;
import dev.drafthorse.kernels.embed.Pooling;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.rows.BadRow;
import dev.drafthorse.rows.EmbedRowParser;
import dev.drafthorse.rows.JsonText;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.commons.cli.Options;

/**
 * {@code embed}: a vector per row of a file (see {@link Embedder}), written in input order as JSON lines
 * {@code {"id", "embedding"}} or TSV. Bad rows (and texts longer than the context window) go to a rejects file beside
 * the output with their reason, so input lines = output lines + rejected lines.
 */
final class EmbedCommand implements Command {
    static final String USAGE = "drafthorse embed -m MODEL.gguf --input ROWS --output OUT [--pooling mean|last|cls]"
            + " [--normalize l2|none | --no-normalize] [--format jsonl|tsv] [--batch-tokens N] [--ctx-size N] [--threads T]";

    /** Rows embedded per round (their vectors are written before the next round starts). */
    private static final int ROUND = 256;

    @Override
    public String name() {
        return "embed";
    }

    @Override
    public String summary() {
        return "a sentence embedding for every row of a file (pooled final hidden states, as llama-embedding)";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        ModelArgs.add(o);
        o.addOption(Args.opt(
                "i",
                "input",
                "ROWS",
                "rows: id<TAB>text, or JSON lines {\"id\", \"text\"} ({\"prompt\"} taken too) when"
                        + " the file ends in .jsonl or .json"));
        o.addOption(Args.opt(
                "o",
                "output",
                "OUT",
                "vectors in input order; rejects go to OUT.rejects.jsonl (OUT's extension kept)"));
        o.addOption(Args.opt(
                null, "pooling", "P", "mean, last or cls (default: the GGUF's <arch>.pooling_type, else mean)"));
        o.addOption(
                Args.opt(null, "normalize", "N", "l2 (default: unit vectors, a dot product is the cosine) or none"));
        o.addOption(Args.flag("no-normalize", "the same as --normalize none"));
        o.addOption(Args.opt(
                null, "format", "FMT", "jsonl (default: {\"id\", \"embedding\": [floats]}) or tsv (id TAB v1,v2,...)"));
        o.addOption(Args.opt(
                null,
                "batch-tokens",
                "N",
                "tokens of several rows evaluated in one forward pass (default " + Embedder.DEFAULT_BATCH_TOKENS
                        + ")"));
        o.addOption(Args.opt(
                null,
                "ctx-size",
                "N",
                "longest text in tokens (default: the model's trained context); longer rows are"
                        + " rejected: cut them first (explode_chunks in Hive)"));
        o.addOption(Args.opt(
                null,
                "prefix-cache",
                "MB",
                "with last pooling: MiB of cached KV blocks of shared text prefixes (default 256;"
                        + " 0 = off); vectors are bit-identical either way"));
        Args a = Args.parse(
                USAGE,
                "Each row's text is tokenized as llama-embedding does (BOS/EOS as the vocabulary says), run"
                        + " through the model without the output matrix, and its final normed hidden states pooled into one vector.",
                o,
                args);
        if (a == null) {
            return 0;
        }
        if (a.rest().length > 0) {
            throw new UsageException("unexpected argument '" + a.rest()[0] + "'\nusage: " + USAGE);
        }
        Path input = ModelArgs.localPath(a.require("input"));
        Path output = Path.of(a.require("output"));
        Path rejects = BatchCommand.rejectsPath(output);
        Pooling pooling = a.has("pooling") ? Pooling.parse("--pooling", a.require("pooling")) : null;
        if (pooling == Pooling.NONE) {
            throw new UsageException(
                    "--pooling none gives a vector per token; a row gets one vector: mean, last or cls");
        }
        if (a.has("no-normalize") && a.has("normalize")) {
            throw new UsageException("--no-normalize and --normalize are exclusive");
        }
        Normalization norm = a.has("no-normalize")
                ? Normalization.NONE
                : Normalization.parse("--normalize", a.get("normalize", "l2"));
        String fmt = a.get("format", "jsonl");
        InferSettings.Format format = switch (fmt) {
            case "jsonl" -> InferSettings.Format.JSONL;
            case "tsv" -> InferSettings.Format.TSV;
            default -> throw new UsageException("--format must be jsonl or tsv, got '" + fmt + "'");
        };
        int batchTokens = a.getInt("batch-tokens", Embedder.DEFAULT_BATCH_TOKENS, 1, 1 << 20);
        int cacheMb = a.getInt("prefix-cache", 256, 0, 1 << 20);
        String name = input.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean jsonInput = name.endsWith(".jsonl") || name.endsWith(".json");
        ObjectMapper json = new ObjectMapper();
        try (Parallel par = new Parallel(ModelArgs.threads(a))) {
            Model model = ModelArgs.load(a, par);
            int ctx = a.getInt("ctx-size", model.config().contextLength(), 1, Integer.MAX_VALUE);
            Embedder embedder = new Embedder(model, pooling, norm, ctx, batchTokens)
                    .withPrefixCache(cacheMb == 0 ? null : new PrefixCache(model, KvType.F32, (long) cacheMb << 20));
            EmbedRowParser parser = new EmbedRowParser();
            List<String> ids = new ArrayList<>();
            List<int[]> tokens = new ArrayList<>();
            int lines = 0;
            int rejected = 0;
            int written = 0;
            long tokenCount = 0;
            long start = System.nanoTime();
            try (BufferedWriter out = Files.newBufferedWriter(output, StandardCharsets.UTF_8);
                    BufferedWriter rej = Files.newBufferedWriter(rejects, StandardCharsets.UTF_8)) {
                List<byte[]> all = BatchCommand.readLines(input);
                for (byte[] raw : all) {
                    lines++;
                    try {
                        EmbedRowParser.EmbedRow row =
                                jsonInput ? parser.json(raw, 0, raw.length) : parser.tsv(raw, 0, raw.length);
                        if (format == InferSettings.Format.TSV && JsonText.loneSurrogate(row.id()) >= 0) {
                            throw new BadRow(
                                    row.id(),
                                    "id holds a lone surrogate at char " + JsonText.loneSurrogate(row.id())
                                            + ": --format tsv cannot write it (jsonl can, as a \\u escape)");
                        }
                        int[] ids1 = embedder.tokens(row.text());
                        try {
                            embedder.check(ids1);
                        } catch (IllegalArgumentException e) {
                            throw new BadRow(row.id(), e.getMessage());
                        }
                        ids.add(row.id());
                        tokens.add(ids1);
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
                    if (ids.size() >= ROUND || lines == all.size()) {
                        List<float[]> vectors = embedder.embedTokens(tokens);
                        for (int i = 0; i < vectors.size(); i++) {
                            out.write(EmbeddingRows.row(ids.get(i), vectors.get(i), format) + "\n");
                            tokenCount += tokens.get(i).length;
                        }
                        written += vectors.size();
                        ids.clear();
                        tokens.clear();
                        System.err.printf(Locale.ROOT, "embed: %d/%d lines%n", lines, all.size());
                    }
                }
            }
            if (rejected == 0) {
                Files.deleteIfExists(rejects);
            }
            double secs = (System.nanoTime() - start) / 1e9;
            System.err.printf(
                    Locale.ROOT,
                    "embed: %d lines: %d written to %s, %d rejected%s; %s pooling, %s; %d tokens in %.1f s (%.1f tok/s)%n",
                    lines,
                    written,
                    output,
                    rejected,
                    rejected > 0 ? " (" + rejects + ")" : "",
                    embedder.pooling().label(),
                    norm.label(),
                    tokenCount,
                    secs,
                    tokenCount / Math.max(secs, 1e-9));
        }
        return 0;
    }
}
