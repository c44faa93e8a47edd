package dev.drafthorse.hive;

import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.ql.exec.Description;
import org.apache.hadoop.hive.ql.exec.MapredContext;
import org.apache.hadoop.hive.ql.exec.UDFArgumentException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentTypeException;
import org.apache.hadoop.hive.ql.metadata.HiveException;
import org.apache.hadoop.hive.ql.udf.generic.GenericUDTF;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspectorFactory;
import org.apache.hadoop.hive.serde2.objectinspector.PrimitiveObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.StructObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorFactory;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorUtils;
import org.apache.hadoop.io.IntWritable;
import org.apache.hadoop.io.Text;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code explode_chunks(text, model_path, max_tokens [, overlap])}: a long text as windows of at most
 * {@code max_tokens} tokens of the model's tokenizer, consecutive windows sharing {@code overlap} tokens,
 * for prompts that must fit a context window.
 *
 * <p>The text is tokenized as data (no BOS, special-token text not parsed); each chunk is the decoded text
 * of its tokens, so it tokenizes back to (nearly always) the same tokens. Windows never split a UTF-8
 * character (see {@link Chunker}); when one character alone takes more than {@code max_tokens} tokens its
 * window is longer, which is logged. Only the vocabulary is read: a vocabulary-only GGUF file works.
 */
@Description(
        name = "explode_chunks",
        value =
                "_FUNC_(STRING text, STRING model_path, INT max_tokens [, INT overlap]) - one row (chunk_id INT, chunk STRING,"
                        + " token_start INT, token_end INT) per window of at most max_tokens tokens",
        extended =
                "Tokens [token_start, token_end) of the text's tokens (no BOS); consecutive windows share overlap tokens"
                        + " (default 0, 0 <= overlap < max_tokens). Boundaries never split a UTF-8 character. model_path is a local"
                        + " path, a file:// or Hadoop URI (hdfs://...), or the name of a file added with ADD FILE. NULL or empty"
                        + " text gives no row.\n"
                        + "Example:\n"
                        + "  > SELECT d.id, c.chunk_id, c.token_start, c.token_end FROM docs d\n"
                        + "  >   LATERAL VIEW _FUNC_(d.body, 'hdfs:///models/stories260K.gguf', 256, 32) c\n"
                        + "  >   AS chunk_id, chunk, token_start, token_end;\n"
                        + "  7\t0\t0\t256\n"
                        + "  7\t1\t224\t301")
public final class ExplodeChunksUDTF extends GenericUDTF {
    static final String NAME = "explode_chunks";
    static final String SIGNATURE = NAME + "(text STRING, model_path STRING, max_tokens INT [, overlap INT])";
    private static final Logger LOG = LoggerFactory.getLogger(ExplodeChunksUDTF.class);

    private transient PrimitiveObjectInspector textOI;
    private transient PrimitiveObjectInspector pathOI;
    private transient PrimitiveObjectInspector maxOI;
    private transient PrimitiveObjectInspector overlapOI; // null when absent
    private transient Configuration conf;
    private transient Engines.Leases<Tokenizer> tokenizers;
    private transient Object[] row;
    private transient IntWritable chunkId;
    private transient Text chunk;
    private transient IntWritable tokenStart;
    private transient IntWritable tokenEnd;
    private transient boolean loggedNull;
    private transient boolean loggedOversized;

    @Override
    public void configure(MapredContext context) {
        conf = context.getJobConf();
    }

    @Override
    public StructObjectInspector initialize(ObjectInspector[] args) throws UDFArgumentException {
        Arguments.arity(NAME, SIGNATURE, args, 3, 4);
        textOI = Arguments.string(NAME, args, 0, "text");
        pathOI = Arguments.string(NAME, args, 1, "model_path");
        maxOI = Arguments.integer(NAME, args, 2, "max_tokens");
        overlapOI = args.length > 3 ? Arguments.integer(NAME, args, 3, "overlap") : null;
        Long max = Arguments.constantLong(maxOI);
        Long overlap = overlapOI == null ? Long.valueOf(0) : Arguments.constantLong(overlapOI);
        if (max != null && max < 1) {
            throw new UDFArgumentTypeException(2, NAME + ": max_tokens must be >= 1, got " + max);
        }
        if (overlap != null && overlap < 0) {
            throw new UDFArgumentTypeException(3, NAME + ": overlap must be >= 0, got " + overlap);
        }
        if (max != null && overlap != null && overlap >= max) {
            throw new UDFArgumentTypeException(
                    3, NAME + ": overlap must be < max_tokens (" + max + "), got " + overlap);
        }
        String path = Arguments.constantString(pathOI);
        if (path != null && path.isEmpty()) {
            throw new UDFArgumentTypeException(1, NAME + ": model_path is empty");
        }

        tokenizers = new Engines.Leases<>(Engines::tokenizer);
        row = new Object[4];
        chunkId = new IntWritable();
        chunk = new Text();
        tokenStart = new IntWritable();
        tokenEnd = new IntWritable();
        loggedNull = false;
        loggedOversized = false;
        return ObjectInspectorFactory.getStandardStructObjectInspector(
                List.of("chunk_id", "chunk", "token_start", "token_end"),
                List.of(
                        PrimitiveObjectInspectorFactory.writableIntObjectInspector,
                        PrimitiveObjectInspectorFactory.writableStringObjectInspector,
                        PrimitiveObjectInspectorFactory.writableIntObjectInspector,
                        PrimitiveObjectInspectorFactory.writableIntObjectInspector));
    }

    @Override
    public void process(Object[] args) throws HiveException {
        if (args[0] == null) {
            return;
        }
        if (args[1] == null || args[2] == null || (overlapOI != null && args[3] == null)) {
            if (!loggedNull) {
                loggedNull = true;
                LOG.warn("{}: a row with a NULL model_path, max_tokens or overlap gives no chunks (logged once)", NAME);
            }
            return;
        }
        String text = PrimitiveObjectInspectorUtils.getString(args[0], textOI);
        String path = PrimitiveObjectInspectorUtils.getString(args[1], pathOI);
        long max = PrimitiveObjectInspectorUtils.getLong(args[2], maxOI);
        long overlap = overlapOI == null ? 0 : PrimitiveObjectInspectorUtils.getLong(args[3], overlapOI);
        if (max < 1 || max > Integer.MAX_VALUE) {
            throw new UDFArgumentException(NAME + ": max_tokens must be an int >= 1, got " + max);
        }
        if (overlap < 0 || overlap >= max) {
            throw new UDFArgumentException(
                    NAME + ": overlap must be in [0, max_tokens) = [0, " + max + "), got " + overlap);
        }
        if (text.isEmpty()) {
            return;
        }
        Tokenizer tok;
        try {
            tok = tokenizers.get(path, Engines.conf(conf));
        } catch (IOException e) {
            throw new HiveException(NAME + ": cannot read the tokenizer of '" + path + "': " + e.getMessage(), e);
        }
        int[] ids = tok.encode(text, false, false);
        List<Chunker.Window> windows = Chunker.split(Chunker.boundaries(tok, ids), (int) max, (int) overlap);
        for (int i = 0; i < windows.size(); i++) {
            Chunker.Window w = windows.get(i);
            if (w.oversized() && !loggedOversized) {
                loggedOversized = true;
                LOG.warn(
                        "{}: chunk {} holds {} tokens, more than max_tokens = {}: no character boundary lies closer"
                                + " (logged once)",
                        NAME,
                        i,
                        w.end() - w.start(),
                        max);
            }
            chunkId.set(i);
            chunk.set(tok.decode(Arrays.copyOfRange(ids, w.start(), w.end())));
            tokenStart.set(w.start());
            tokenEnd.set(w.end());
            row[0] = chunkId;
            row[1] = chunk;
            row[2] = tokenStart;
            row[3] = tokenEnd;
            forward(row);
        }
    }

    @Override
    public void close() throws HiveException {
        if (tokenizers != null) {
            tokenizers.closeAll();
        }
    }

    @Override
    public String toString() {
        return NAME;
    }
}
