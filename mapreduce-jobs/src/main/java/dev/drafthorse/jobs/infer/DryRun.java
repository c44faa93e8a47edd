package dev.drafthorse.jobs.infer;

import dev.drafthorse.kernels.batch.BatchEngine;
import dev.drafthorse.kernels.batch.BatchOptions;
import dev.drafthorse.kernels.batch.BatchResult;
import dev.drafthorse.kernels.batch.Request;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.rows.BadRow;
import dev.drafthorse.rows.ChatRows;
import dev.drafthorse.rows.EmbedRowParser;
import dev.drafthorse.rows.Prompts;
import dev.drafthorse.rows.Row;
import dev.drafthorse.rows.RowMode;
import dev.drafthorse.rows.RowParser;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.RecordReader;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.TaskAttemptID;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl;

/**
 * {@code infer --dry-run}: what the job would cost, without running it.
 *
 * <ol>
 * <li>The job's own splits (so the map-task count is exact) and a sample of up to {@value #SAMPLE} rows spread over
 *     them (the first rows of every split, or of evenly spaced splits when there are more splits than that), read by
 *     the job's own readers and parsed and tokenized as the tasks would (chat template, context check, rejects).
 * <li>The rows: counted (every text split is read, ORC and Parquet splits too) when the input is at most
 *     {@value #COUNT_BYTES_MIB} MiB, else estimated from the sample's bytes per row and the input's size.
 * <li>A timed run of the real model on this machine, with the job's batch and thread settings, on the first
 *     {@value #TIMED_ROWS} sample rows or {@value #TIMED_BATCHES} batches' worth, whichever is more (so that the batch
 *     runs as full as in a long task). First warm-up passes until the JIT has settled: {@value #SETTLED} passes in a
 *     row that spent at most 5% of their CPU time compiling (the compiler's own counter) and cost within 10% of each
 *     other. The JIT compiles the kernels in bursts for many seconds, and a pass timed meanwhile costs up to twice the
 *     settled one, which is what a long task runs at; what the warm-up passes cost above it, each task JVM pays once.
 *     Then prefill-only passes (one token per row) and full passes (the job's generation limit) alternately, until the
 *     full ones add up to {@value #MEASURE_CPU} ns of CPU (the process CPU clock ticks in 10 ms steps, so one short
 *     pass would be read to ±10%). Their process CPU time gives CPU per prompt token and per generated token, and the
 *     full passes how far below the limit generation stopped on average (end of text, stop strings).
 * <li>Estimated CPU = rows x (prompt tokens x prefill cost + expected generated tokens x decode cost) + map tasks x
 *     (model load + JIT warm-up). Score rows count their candidates' tokens as prompt tokens; embed rows are prompt
 *     tokens only. Not counted: the JVM's and Hadoop's own start-up of a task (a few CPU-seconds a task).
 * </ol>
 * The figures are printed on stdout, one {@code key: value} per line.
 */
final class DryRun {
    static final int SAMPLE = 200;
    static final int COUNT_BYTES_MIB = 256;
    /** Sample rows in the timed run: at least this many, and at least {@value #TIMED_BATCHES} batches' worth. */
    static final int TIMED_ROWS = 64;
    /** Batches' worth of rows in the timed run at least (so that the batch runs full as in a long task). */
    static final int TIMED_BATCHES = 4;
    /** Warm-up passes at most. */
    static final int WARMUPS = 60;
    /** Warm-up CPU at most, in nanoseconds: past it the run goes on with a JIT that has not settled. */
    static final long WARMUP_CPU = 40_000_000_000L;
    /** Passes in a row that must have settled before the measured ones. */
    static final int SETTLED = 2;
    /** A settled pass spends at most this share of its CPU time in the JIT compiler. */
    static final double SETTLED_COMPILE_SHARE = 0.05;
    /** The measured full passes add up to at least this much CPU, in nanoseconds (unless MEASURE_ROUNDS ends them). */
    static final long MEASURE_CPU = 2_000_000_000L;
    /** Measured rounds at most. */
    static final int MEASURE_ROUNDS = 40;

    private final Configuration conf;
    private final InferSettings s;

    DryRun(Configuration conf, InferSettings s) {
        this.conf = conf;
        this.s = s;
    }

    int run(Job job, URI modelUri, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        InferInputFormat format = new InferInputFormat();
        List<InputSplit> splits = format.getSplits(job);
        TaskAttemptContext ctx = new TaskAttemptContextImpl(conf, new TaskAttemptID());
        long bytes = 0;
        for (InputSplit sp : splits) {
            bytes += sp.getLength();
        }
        // The sample: the first rows of each split (of SAMPLE evenly spaced splits when there are more).
        List<byte[]> sample = new ArrayList<>();
        List<InputKind> kinds = new ArrayList<>();
        List<String> files = new ArrayList<>();
        long sampleBytes = 0;
        int nSplits = Math.min(splits.size(), SAMPLE);
        int perSplit = nSplits == 0 ? 0 : Math.max(1, SAMPLE / nSplits);
        for (int k = 0; k < nSplits; k++) {
            FileSplit sp = (FileSplit) splits.get((int) ((long) k * splits.size() / nSplits));
            InputKind kind = InputKind.of(conf, sp.getPath());
            try (RecordReader<LongWritable, Text> r = format.createRecordReader(sp, ctx)) {
                r.initialize(sp, ctx);
                for (int i = 0; i < perSplit && sample.size() < SAMPLE && r.nextKeyValue(); i++) {
                    Text v = r.getCurrentValue();
                    sample.add(java.util.Arrays.copyOf(v.getBytes(), v.getLength()));
                    kinds.add(kind);
                    files.add(sp.getPath().toString());
                    sampleBytes += v.getLength() + 1;
                }
            }
        }
        if (sample.isEmpty()) {
            err.println("drafthorse infer: --dry-run: the input holds no rows");
            return 1;
        }
        long rows;
        String rowsHow;
        if (bytes <= ((long) COUNT_BYTES_MIB << 20)) {
            rows = 0;
            for (InputSplit sp : splits) {
                try (RecordReader<LongWritable, Text> r = format.createRecordReader(sp, ctx)) {
                    r.initialize(sp, ctx);
                    while (r.nextKeyValue()) {
                        rows++;
                    }
                }
            }
            rowsHow = "counted";
        } else {
            rows = Math.round(bytes / ((double) sampleBytes / sample.size()));
            rowsHow = String.format(
                    Locale.ROOT,
                    "estimated: %d input bytes / %.1f bytes per sample row",
                    bytes,
                    (double) sampleBytes / sample.size());
        }

        // Load the model as a task does (CPU time measured: every map task pays it once).
        java.nio.file.Path local = localModel(modelUri);
        long c0 = cpuNanos();
        Parallel par = new Parallel(s.threads());
        try {
            Model model = Model.load(local, par);
            long loadCpu = cpuNanos() - c0;
            int ctxSize = s.ctxSize() > 0 ? s.ctxSize() : model.config().contextLength();
            RowParser parser = new RowParser(s.mode(), s.rowDefaults(), s.chat(), s.system());
            EmbedRowParser embedParser = new EmbedRowParser();
            RowParser embedAsPrompt = new RowParser(RowMode.GENERATE, s.rowDefaults());
            ChatRows chat = new ChatRows(model, s.date());
            List<Request> requests = new ArrayList<>();
            long promptTokens = 0;
            long limitTokens = 0;
            int rejected = 0;
            for (int i = 0; i < sample.size(); i++) {
                byte[] b = sample.get(i);
                InputKind kind = kinds.get(i);
                try {
                    RowFields f = kind == InputKind.JSONL || kind == InputKind.TSV
                            ? null
                            : new RowFields(kind, conf, files.get(i));
                    if (s.mode() == RowMode.EMBED) {
                        EmbedRowParser.EmbedRow e = switch (kind) {
                            case JSONL -> embedParser.json(b, 0, b.length);
                            case TSV -> embedParser.tsv(b, 0, b.length);
                            default -> {
                                String[] idText = f.idAndText(b, b.length);
                                yield embedParser.fields(idText[0], idText[1]);
                            }
                        };
                        Row asPrompt = embedAsPrompt.fields(e.id(), e.text());
                        Request q = Prompts.request(asPrompt, model, null, ctxSize, 128);
                        promptTokens += q.prompt().length;
                        requests.add(q); // timed as a prefill: an embedding is one forward pass over the text
                        continue;
                    }
                    Row row = switch (kind) {
                        case JSONL -> parser.json(b, 0, b.length);
                        case TSV -> parser.tsv(b, 0, b.length);
                        default -> {
                            String[] idText = f.idAndText(b, b.length);
                            yield parser.fields(idText[0], idText[1]);
                        }
                    };
                    Request q = Prompts.request(row, model, chat, ctxSize, 128);
                    promptTokens += q.prompt().length;
                    if (s.mode() == RowMode.SCORE) {
                        for (String c : row.candidates()) {
                            promptTokens += Prompts.tokens(model, c).length;
                        }
                    } else {
                        limitTokens += Math.min(q.options().maxNewTokens(), ctxSize - q.prompt().length);
                    }
                    requests.add(q);
                } catch (BadRow e) {
                    rejected++;
                }
            }
            int good = sample.size() - rejected;
            double rejectFraction = (double) rejected / sample.size();
            double promptPerRow = good == 0 ? 0 : (double) promptTokens / good;
            double limitPerRow = good == 0 ? 0 : (double) limitTokens / good;

            // The timed run: a few rows, prefill (1 token each), then the job's generation limit.
            List<Request> timed =
                    requests.subList(0, Math.min(requests.size(), Math.max(TIMED_ROWS, TIMED_BATCHES * s.batch())));
            BatchOptions opts = new BatchOptions(s.batch(), s.maxKvPositions(), 128, s.speculation(), true);
            List<Request> prefillOnly = new ArrayList<>();
            for (Request q : timed) {
                GenerationOptions o = q.options();
                prefillOnly.add(new Request(
                        q.id(),
                        q.prompt(),
                        new GenerationOptions(1, o.sampler(), o.stop(), o.kvType(), o.prefillChunk(), o.contextSize()),
                        dev.drafthorse.kernels.sampling.Rng.forRow(o.sampler().seed(), q.id()),
                        null));
            }
            Model draft = s.draft().isEmpty() ? null : Model.load(localModel(new Path(s.draft()).toUri()), par);
            // Warm-up passes until the JIT has settled: the last SETTLED passes spent at most SETTLED_COMPILE_SHARE
            // of their CPU compiling and cost within 10% of each other. A long task runs at that speed; what the
            // passes cost above it, every task JVM pays once, like the model load.
            List<Request> warm = s.mode() == RowMode.GENERATE ? timed : prefillOnly;
            List<Pass> warmups = new ArrayList<>();
            long warmCpu = 0;
            boolean settled = false;
            while (!settled && warmups.size() < WARMUPS && warmCpu < WARMUP_CPU) {
                Pass p = timedRun(model, draft, warm, opts);
                warmups.add(p);
                warmCpu += p.cpu();
                settled = settled(warmups);
            }
            // The measured passes: prefill-only and full passes alternately (so a drift affects both alike) until
            // the full ones add up to MEASURE_CPU, the process CPU clock ticking in steps of 10 ms.
            Pass prefill = Pass.ZERO;
            Pass full = Pass.ZERO;
            int rounds = 0;
            while (rounds == 0
                    || (rounds < MEASURE_ROUNDS
                            && (s.mode() == RowMode.GENERATE ? full : prefill).cpu() < MEASURE_CPU)) {
                prefill = prefill.plus(timedRun(model, draft, prefillOnly, opts));
                if (s.mode() == RowMode.GENERATE) {
                    full = full.plus(timedRun(model, draft, timed, opts));
                }
                rounds++;
            }
            long steadyPass = (s.mode() == RowMode.GENERATE ? full : prefill).cpu() / rounds;
            long warmupExcess = Math.max(0, warmCpu - warmups.size() * steadyPass);
            double prefillPerToken;
            double decodePerToken;
            double generatedFraction;
            if (s.mode() == RowMode.GENERATE) {
                long timedLimit = 0;
                for (Request q : timed) {
                    timedLimit += Math.min(q.options().maxNewTokens(), ctxSize - q.prompt().length);
                }
                decodePerToken = full.generated() > prefill.generated()
                        ? Math.max(0, (double) (full.cpu() - prefill.cpu()) / (full.generated() - prefill.generated()))
                        : 0;
                prefillPerToken = prefill.prompt() == 0
                        ? 0
                        : Math.max(0, (prefill.cpu() - prefill.generated() * decodePerToken) / prefill.prompt());
                generatedFraction = timedLimit == 0 ? 0 : (double) full.generated() / rounds / timedLimit;
            } else {
                prefillPerToken = prefill.prompt() == 0 ? 0 : (double) prefill.cpu() / prefill.prompt();
                decodePerToken = 0;
                generatedFraction = 0;
            }
            double goodRows = rows * (1 - rejectFraction);
            double totalPrompt = goodRows * promptPerRow;
            double totalLimit = goodRows * limitPerRow;
            double expectedGenerated = totalLimit * generatedFraction;
            double cpuSeconds = (totalPrompt * prefillPerToken
                            + expectedGenerated * decodePerToken
                            + (double) splits.size() * (loadCpu + warmupExcess))
                    / 1e9;
            out.printf(Locale.ROOT, "rows: %d (%s)%n", rows, rowsHow);
            out.printf(
                    Locale.ROOT,
                    "sample: %d rows from %d of %d splits, %d rejected (%.1f%%)%n",
                    sample.size(),
                    nSplits,
                    splits.size(),
                    rejected,
                    100 * rejectFraction);
            out.printf(Locale.ROOT, "prompt tokens: %.0f (%.1f per row)%n", totalPrompt, promptPerRow);
            if (s.mode() == RowMode.GENERATE) {
                out.printf(
                        Locale.ROOT,
                        "tokens to generate: %.0f at most (%.1f per row); about %.0f expected (the timed run generated"
                                + " %.0f%% of its limit)%n",
                        totalLimit,
                        limitPerRow,
                        expectedGenerated,
                        100 * generatedFraction);
            }
            out.printf(
                    Locale.ROOT,
                    "measured here: prefill %.4f ms CPU/token, decode %.4f ms CPU/token, model load %.0f ms CPU,"
                            + " JIT warm-up %.0f ms CPU (%d rows, batch %d, %d threads; %d warm-up passes, %s;"
                            + " %d measured rounds)%n",
                    prefillPerToken / 1e6,
                    decodePerToken / 1e6,
                    loadCpu / 1e6,
                    warmupExcess / 1e6,
                    timed.size(),
                    s.batch(),
                    s.threads(),
                    warmups.size(),
                    settled ? "JIT settled" : "JIT not settled within the warm-up's limit",
                    rounds);
            out.printf(
                    Locale.ROOT, "estimated CPU: %.4f CPU-hours (%.2f CPU-seconds)%n", cpuSeconds / 3600, cpuSeconds);
            out.printf(Locale.ROOT, "map tasks: %d%n", splits.size());
            err.println("drafthorse infer: --dry-run: no job submitted");
            return 0;
        } finally {
            par.close();
        }
    }

    /**
     * One or more engine runs: their process CPU and JIT compile time, prompt and generated tokens.
     *
     * @param cpu process CPU nanoseconds
     * @param compileMillis milliseconds the JIT compiler threads worked meanwhile
     * @param prompt prompt tokens fed
     * @param generated tokens generated
     */
    record Pass(long cpu, long compileMillis, long prompt, long generated) {
        static final Pass ZERO = new Pass(0, 0, 0, 0);

        Pass plus(Pass o) {
            return new Pass(cpu + o.cpu, compileMillis + o.compileMillis, prompt + o.prompt, generated + o.generated);
        }
    }

    /** Whether the last {@value #SETTLED} passes show a settled JIT: little compiling, costs within 10%. */
    static boolean settled(List<Pass> passes) {
        if (passes.size() < SETTLED) {
            return false;
        }
        List<Pass> last = passes.subList(passes.size() - SETTLED, passes.size());
        long min = Long.MAX_VALUE;
        long max = 0;
        for (Pass p : last) {
            if (p.compileMillis() * 1e6 > SETTLED_COMPILE_SHARE * p.cpu()) {
                return false;
            }
            min = Math.min(min, p.cpu());
            max = Math.max(max, p.cpu());
        }
        return max <= 1.1 * min;
    }

    /** One engine run over {@code requests}. */
    private static Pass timedRun(Model model, Model draft, List<Request> requests, BatchOptions opts) {
        BatchEngine engine = new BatchEngine(model, draft);
        long k0 = compileMillis();
        long c0 = cpuNanos();
        List<BatchResult> results = engine.run(requests, opts, new BatchEngine.Listener() {});
        long cpu = cpuNanos() - c0;
        long prompt = 0;
        long gen = 0;
        for (BatchResult r : results) {
            prompt += r.stats().promptTokens();
            gen += r.stats().generatedTokens();
        }
        return new Pass(cpu, compileMillis() - k0, prompt, gen);
    }

    /** Milliseconds the JIT compiler has worked in this JVM (0 where the JVM does not tell). */
    private static long compileMillis() {
        java.lang.management.CompilationMXBean c = ManagementFactory.getCompilationMXBean();
        return c != null && c.isCompilationTimeMonitoringSupported() ? c.getTotalCompilationTime() : 0;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The model as a local file (copied from another filesystem into a temporary file). */
    private java.nio.file.Path localModel(URI uri) throws IOException {
        Path p = new Path(uri);
        FileSystem fs = p.getFileSystem(conf);
        if ("file".equals(fs.makeQualified(p).toUri().getScheme())) {
            return java.nio.file.Path.of(fs.makeQualified(p).toUri().getPath());
        }
        java.nio.file.Path tmp = java.nio.file.Files.createTempFile("drafthorse-dry-run-", ".gguf");
        tmp.toFile().deleteOnExit();
        fs.copyToLocalFile(false, p, new Path(tmp.toUri()), true);
        return tmp;
    }
}
