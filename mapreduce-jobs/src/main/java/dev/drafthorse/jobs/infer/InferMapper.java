package dev.drafthorse.jobs.infer;

import dev.drafthorse.jobs.CacheFiles;
import dev.drafthorse.jobs.TaskFailures;
import dev.drafthorse.kernels.batch.BatchEngine;
import dev.drafthorse.kernels.batch.BatchOptions;
import dev.drafthorse.kernels.batch.BatchResult;
import dev.drafthorse.kernels.batch.PrefixCache;
import dev.drafthorse.kernels.batch.Request;
import dev.drafthorse.kernels.embed.Embedder;
import dev.drafthorse.kernels.generate.Scorer;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tensor.Simd;
import dev.drafthorse.rows.BadRow;
import dev.drafthorse.rows.ChatRows;
import dev.drafthorse.rows.EmbedRowParser;
import dev.drafthorse.rows.JsonText;
import dev.drafthorse.rows.Prompts;
import dev.drafthorse.rows.Row;
import dev.drafthorse.rows.RowMode;
import dev.drafthorse.rows.RowParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.Mapper;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;

/**
 * The map task of {@code infer}: one input line is one row.
 *
 * <p>The model (and draft) arrive through the distributed cache, localized once per node, and are loaded once in
 * {@link #setup}. Good rows are tokenized and queued; every {@code queue} rows the queue goes through the batch
 * scheduler (continuous batching, speculation when asked) and the results are written in input order. Score rows
 * are scored as they come. Embed rows are tokenized and queued too, and every {@code queue} rows embedded together
 * ({@link Embedder}: rows packed into forward passes) and written in input order. Bad rows go to the rejects
 * stream with their reason, so for every task
 * input rows = output rows + rejected rows.
 *
 * <p>A row's output depends only on (row id, prompt, model, options, seed): each row samples from its own stream
 * seeded by (seed, row id), and the engine's arithmetic does not depend on the batch or thread count. A retried or
 * speculative attempt therefore writes the same bytes.
 */
public class InferMapper extends Mapper<LongWritable, Text, Text, Text> {
    /** Key of an output row. */
    public static final Text ROW = new Text("row");
    /** Key of a rejected row. */
    public static final Text REJECT = new Text("reject");
    /** The {@link CacheFiles} roles of the model and the draft. */
    public static final String MODEL_ROLE = "model";

    public static final String DRAFT_ROLE = "draft";

    private InferSettings settings;
    private Parallel par;
    private Model model;
    private Model draft;
    private Scorer scorer;
    private PrefixCache prefixCache;
    private RowParser parser;
    private InputKind kind;
    private RowFields fields;
    private String file;
    private int ctx;
    private final List<Request> queue = new ArrayList<>();
    private EmbedRowParser embedParser;
    private Embedder embedder;
    private final List<String> embedIds = new ArrayList<>();
    private final List<int[]> embedTokens = new ArrayList<>();
    private ChatRows chat;
    private final Text out = new Text();
    /** Ids a previous run's output holds (--resume): skipped. */
    private java.util.Set<String> done = java.util.Set.of();

    private long rowsRead;
    private long rowsDone;
    private long generated;
    private long decodeNanos;
    private long runStart;
    private long lastStatus;
    private int haltAfter;

    /** Records a failure for the driver before Hadoop sees it: the local runner keeps no task diagnostics. */
    @Override
    public void run(Context context) throws IOException, InterruptedException {
        try {
            super.run(context);
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            TaskFailures.record(context, e);
            throw e;
        }
    }

    @Override
    protected void setup(Context context) throws IOException {
        settings = InferSettings.from(context.getConfiguration());
        long t0 = System.nanoTime();
        par = new Parallel(settings.threads());
        model = Model.load(CacheFiles.localPath(context, MODEL_ROLE), par);
        if (!settings.draft().isEmpty()) {
            draft = Model.load(CacheFiles.localPath(context, DRAFT_ROLE), par);
        }
        context.getCounter(InferCounter.MODEL_LOAD_MS).increment((System.nanoTime() - t0) / 1_000_000);
        context.getCounter(Simd.ENABLED ? InferCounter.TASKS_VECTOR : InferCounter.TASKS_SCALAR)
                .increment(1);
        ctx = settings.ctxSize() > 0 ? settings.ctxSize() : model.config().contextLength();
        parser = new RowParser(settings.mode(), settings.rowDefaults(), settings.chat(), settings.system());
        chat = new ChatRows(model, settings.date());
        int cacheMb = InferSettings.prefixCacheMb(context.getConfiguration());
        prefixCache = cacheMb == 0 ? null : new PrefixCache(model, KvType.F32, (long) cacheMb << 20);
        scorer = settings.mode() == RowMode.SCORE ? new Scorer(model).withPrefixCache(prefixCache) : null;
        EmbedSettings embed = EmbedSettings.from(context.getConfiguration(), settings);
        if (embed != null) {
            embedParser = new EmbedRowParser();
            embedder = new Embedder(model, embed.pooling(), embed.normalization(), ctx, embed.batchTokens())
                    .withPrefixCache(prefixCache);
        }
        InputSplit split = context.getInputSplit();
        file = split instanceof FileSplit fs ? fs.getPath().toUri().getPath() : String.valueOf(split);
        Configuration conf = context.getConfiguration();
        kind = split instanceof FileSplit fs ? InputKind.of(conf, fs.getPath()) : InputKind.TSV;
        fields = kind.lines() && kind != InputKind.TEXT ? null : new RowFields(kind, conf, file);
        if (!conf.get(InferKey.RESUME.key(), "").isEmpty()) {
            done = Resume.load(CacheFiles.open(context, Resume.ROLE));
        }
        boolean local = "local".equals(context.getConfiguration().get("mapreduce.framework.name", "local"));
        haltAfter = local || context.getTaskAttemptID().getId() > 0 ? 0 : settings.faultHaltAfterRows();
        context.setStatus(String.format(
                Locale.ROOT,
                "model loaded in %d ms (%s kernels, %d threads)",
                (System.nanoTime() - t0) / 1_000_000,
                Simd.ENABLED ? "vector" : "scalar",
                settings.threads()));
    }

    @Override
    protected void map(LongWritable offset, Text line, Context context) throws IOException, InterruptedException {
        rowsRead++;
        context.getCounter(InferCounter.ROWS_IN).increment(1);
        byte[] b = line.getBytes();
        int len = line.getLength();
        try {
            if (len > settings.maxLineBytes()) {
                throw new BadRow(
                        null,
                        "line of " + len + " bytes exceeds " + InferKey.MAX_LINE_BYTES.key() + " ("
                                + settings.maxLineBytes() + ")");
            }
            if (embedder != null) {
                embedRow(b, len, context);
                status(context, false);
                return;
            }
            Row row = switch (kind) {
                case JSONL -> parser.json(b, 0, len);
                case TSV -> parser.tsv(b, 0, len);
                default -> {
                    String[] f = fields.idAndText(b, len);
                    yield parser.fields(f[0], f[1]);
                }
            };
            if (settings.format() != InferSettings.Format.JSONL && JsonText.loneSurrogate(row.id()) >= 0) {
                // JSON output carries it as an escape; Hive text has no way to, and rewriting it would change the id.
                throw new BadRow(
                        row.id(),
                        "id holds a lone surrogate at char " + JsonText.loneSurrogate(row.id()) + ": --format "
                                + settings.format().name().toLowerCase(Locale.ROOT)
                                + " cannot write it (jsonl can, as a \\u escape)");
            }
            if (done.contains(row.id())) {
                context.getCounter(InferCounter.ROWS_RESUMED).increment(1);
                return;
            }
            if (settings.mode() == RowMode.GENERATE) {
                queue.add(Prompts.request(row, model, chat, ctx, 128));
                if (queue.size() >= settings.queue()) {
                    runQueue(context);
                }
            } else {
                score(row, context);
            }
        } catch (BadRow e) {
            context.getCounter(InferCounter.ROWS_REJECTED).increment(1);
            out.set(OutputRows.reject(file, offset.get(), e.id(), e.reason(), b, len));
            context.write(REJECT, out);
        }
        status(context, false);
    }

    /** Parses, tokenizes and queues one embed row (a text past the context window is a bad row). */
    private void embedRow(byte[] b, int len, Context context) throws BadRow, IOException, InterruptedException {
        EmbedRowParser.EmbedRow row;
        if (kind == InputKind.JSONL) {
            row = embedParser.json(b, 0, len);
        } else if (kind == InputKind.TSV) {
            row = embedParser.tsv(b, 0, len);
        } else {
            String[] f = fields.idAndText(b, len);
            row = embedParser.fields(f[0], f[1]);
        }
        if (settings.format() != InferSettings.Format.JSONL && JsonText.loneSurrogate(row.id()) >= 0) {
            throw new BadRow(
                    row.id(),
                    "id holds a lone surrogate at char " + JsonText.loneSurrogate(row.id()) + ": --format "
                            + settings.format().name().toLowerCase(Locale.ROOT)
                            + " cannot write it (jsonl can, as a \\u escape)");
        }
        if (done.contains(row.id())) {
            context.getCounter(InferCounter.ROWS_RESUMED).increment(1);
            return;
        }
        int[] ids = embedder.tokens(row.text());
        try {
            embedder.check(ids);
        } catch (IllegalArgumentException e) {
            throw new BadRow(row.id(), e.getMessage());
        }
        embedIds.add(row.id());
        embedTokens.add(ids);
        if (embedIds.size() >= settings.queue()) {
            runEmbedQueue(context);
        }
    }

    /** Embeds the queued rows (packed into forward passes) and writes them in input order. */
    private void runEmbedQueue(Context context) throws IOException, InterruptedException {
        if (embedIds.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        List<float[]> vectors = embedder.embedTokens(embedTokens);
        long spent = System.nanoTime() - t0;
        decodeNanos += spent;
        context.getCounter(InferCounter.DECODE_MS).increment(spent / 1_000_000);
        for (int i = 0; i < vectors.size(); i++) {
            generated += embedTokens.get(i).length;
            context.getCounter(InferCounter.PROMPT_TOKENS).increment(embedTokens.get(i).length);
            emit(EmbeddingRows.row(embedIds.get(i), vectors.get(i), settings.format()), context);
        }
        embedIds.clear();
        embedTokens.clear();
        status(context, false);
    }

    private void score(Row row, Context context) throws BadRow, IOException, InterruptedException {
        List<int[]> chatIds = row.chat() ? chat.scoreTokens(row.id(), row.messages(), row.candidates()) : null;
        int promptTokens = row.chat() ? chatIds.get(0).length : Prompts.tokens(model, row.prompt()).length;
        long t0 = System.nanoTime();
        List<Scorer.Score> scores;
        try {
            scores = row.chat()
                    ? scorer.scoreTree(chatIds.get(0), chatIds.subList(1, chatIds.size()))
                    : scorer.score(row.prompt(), row.candidates());
        } catch (IllegalArgumentException e) {
            throw new BadRow(row.id(), e.getMessage());
        }
        decodeNanos += System.nanoTime() - t0;
        long tokens = 0;
        for (Scorer.Score s : scores) {
            tokens += s.tokens().length;
        }
        generated += tokens;
        context.getCounter(InferCounter.PROMPT_TOKENS).increment(promptTokens);
        context.getCounter(InferCounter.GENERATED_TOKENS).increment(tokens);
        context.getCounter(InferCounter.DECODE_MS).increment((System.nanoTime() - t0) / 1_000_000);
        emit(OutputRows.score(row.id(), promptTokens, row.candidates(), scores, settings.format()), context);
    }

    /** Runs the queued rows through the batch scheduler and writes them in input order as they complete. */
    private void runQueue(Context context) throws IOException, InterruptedException {
        if (queue.isEmpty()) {
            return;
        }
        List<Request> requests = new ArrayList<>(queue);
        queue.clear();
        BatchEngine engine = new BatchEngine(model, draft).withPrefixCache(prefixCache);
        BatchResult[] done = new BatchResult[requests.size()];
        int[] next = {0};
        runStart = System.nanoTime();
        try {
            // Rows sharing a prefix are admitted together for cache hits; outputs stay in input order.
            engine.run(
                    requests,
                    new BatchOptions(settings.batch(), settings.maxKvPositions(), 128, settings.speculation(), true),
                    new BatchEngine.Listener() {
                        @Override
                        public void text(int index, String piece) {
                            context.progress(); // a long generation is healthy work, not a hung task
                        }

                        @Override
                        public void finished(int index, BatchResult r) {
                            done[index] = r;
                            generated += r.tokens().length;
                            while (next[0] < done.length && done[next[0]] != null) {
                                BatchResult d = done[next[0]];
                                done[next[0]] = null;
                                next[0]++;
                                emitGenerated(d, context);
                            }
                            status(context, false);
                        }
                    });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        } finally {
            long spent = System.nanoTime() - runStart;
            runStart = 0;
            decodeNanos += spent;
            context.getCounter(InferCounter.DECODE_MS).increment(spent / 1_000_000);
        }
    }

    private void emitGenerated(BatchResult d, Context context) {
        try {
            emit(OutputRows.generate(d, d.stats().promptTokens(), settings.format()), context);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing row " + d.id(), e);
        }
        context.getCounter(InferCounter.PROMPT_TOKENS).increment(d.stats().promptTokens());
        context.getCounter(InferCounter.GENERATED_TOKENS).increment(d.stats().generatedTokens());
        context.getCounter(InferCounter.DRAFTED).increment(d.stats().draftProposed());
        context.getCounter(InferCounter.ACCEPTED).increment(d.stats().draftAccepted());
    }

    private void emit(String row, Context context) throws IOException, InterruptedException {
        out.set(row);
        context.write(ROW, out);
        context.getCounter(InferCounter.ROWS_OUT).increment(1);
        rowsDone++;
        if (haltAfter > 0 && rowsDone == haltAfter) {
            // Fault injection for retry tests: die like a killed container, after part of the output is written.
            System.err.println("drafthorse infer: " + InferKey.FAULT_HALT_AFTER_ROWS.key() + "=" + haltAfter
                    + ": halting attempt " + context.getTaskAttemptID());
            System.err.flush();
            Runtime.getRuntime().halt(17);
        }
    }

    /** "412/1000 rows, 87 tok/s": rows written of rows read so far; at most every 2 s unless forced. */
    private void status(Context context, boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastStatus < 2_000_000_000L) {
            return;
        }
        lastStatus = now;
        double secs = (decodeNanos + (runStart > 0 ? now - runStart : 0)) / 1e9;
        context.setStatus(String.format(
                Locale.ROOT, "%d/%d rows, %.0f tok/s", rowsDone, rowsRead, secs > 0 ? generated / secs : 0.0));
    }

    @Override
    protected void cleanup(Context context) throws IOException, InterruptedException {
        runQueue(context);
        runEmbedQueue(context);
        if (prefixCache != null) {
            context.getCounter(InferCounter.PREFIX_CACHE_HITS).increment(prefixCache.hits());
            context.getCounter(InferCounter.PREFIX_CACHE_MISSES).increment(prefixCache.misses());
            context.getCounter(InferCounter.PREFIX_TOKENS_SAVED).increment(prefixCache.tokensSaved());
        }
        status(context, true);
        if (par != null) {
            par.close();
        }
    }
}
