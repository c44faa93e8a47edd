package dev.drafthorse.hive;

import static dev.drafthorse.hive.Udtfs.constInt;
import static dev.drafthorse.hive.Udtfs.constString;
import static dev.drafthorse.hive.Udtfs.javaDouble;
import static dev.drafthorse.hive.Udtfs.javaInt;
import static dev.drafthorse.hive.Udtfs.javaString;
import static dev.drafthorse.hive.Udtfs.list;
import static dev.drafthorse.hive.Udtfs.writableInt;
import static dev.drafthorse.hive.Udtfs.writableString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.hive.ql.exec.UDFArgumentException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentLengthException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentTypeException;
import org.apache.hadoop.hive.ql.metadata.HiveException;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.apache.hadoop.io.IntWritable;
import org.apache.hadoop.io.Text;
import org.junit.jupiter.api.Test;

class ExplodeChunksUDTFTest {
    static final String MODEL = SharedFiles.model("stories260K.gguf").toString();
    static final String TEXT =
            "Once upon a time, there was a little girl named Lily. She loved to play outside in the sun. "
                    + "One day, she saw a big red ball in the park.";

    private static UDFArgumentTypeException typeError(int position, ObjectInspector... args) {
        UDFArgumentTypeException e =
                assertThrows(UDFArgumentTypeException.class, () -> new ExplodeChunksUDTF().initialize(args));
        assertEquals(position, e.getArgumentId(), e.getMessage());
        assertTrue(e.getMessage().startsWith("explode_chunks: "), e.getMessage());
        return e;
    }

    /**
     * The expected rows, computed independently of the chunker: this ASCII text has a character boundary
     * between every two tokens, so window i is [i * (max - overlap), that + max) clipped to the text.
     */
    static List<List<Object>> expected(Tokenizer tok, String text, int max, int overlap) {
        int[] ids = tok.encode(text, false, false);
        List<List<Object>> rows = new ArrayList<>();
        for (int i = 0, s = 0; ; i++, s += max - overlap) {
            int e = Math.min(ids.length, s + max);
            rows.add(Arrays.asList(i, tok.decode(Arrays.copyOfRange(ids, s, e)), s, e));
            if (e == ids.length) {
                return rows;
            }
        }
    }

    static Tokenizer tokenizer(String path) throws IOException {
        return Tokenizer.fromGguf(GgufFile.open(java.nio.file.Path.of(path)));
    }

    @Test
    void wrongArity() {
        assertThrows(
                UDFArgumentLengthException.class,
                () -> new ExplodeChunksUDTF().initialize(new ObjectInspector[] {javaString(), javaString()}));
        UDFArgumentLengthException e = assertThrows(
                UDFArgumentLengthException.class,
                () -> new ExplodeChunksUDTF()
                        .initialize(
                                new ObjectInspector[] {javaString(), javaString(), javaInt(), javaInt(), javaInt()}));
        assertTrue(e.getMessage().startsWith("explode_chunks takes 3 to 4 arguments, got 5"), e.getMessage());
    }

    @Test
    void textMustBeAString() {
        typeError(0, javaInt(), javaString(), javaInt());
    }

    @Test
    void modelPathMustBeAString() {
        typeError(1, javaString(), list(javaString()), javaInt());
    }

    @Test
    void maxTokensMustBeAnInteger() {
        assertTrue(typeError(2, javaString(), javaString(), javaDouble())
                .getMessage()
                .contains("argument 3 (max_tokens) must be an integer, got double"));
        typeError(2, javaString(), javaString(), javaString());
    }

    @Test
    void overlapMustBeAnInteger() {
        typeError(3, javaString(), javaString(), javaInt(), javaString());
    }

    @Test
    void constantMaxTokensMustBePositive() {
        assertTrue(typeError(2, javaString(), javaString(), constInt(0))
                .getMessage()
                .contains("max_tokens must be >= 1, got 0"));
    }

    @Test
    void constantOverlapMustBeNonNegativeAndBelowMaxTokens() {
        typeError(3, javaString(), javaString(), constInt(8), constInt(-1));
        assertTrue(typeError(3, javaString(), javaString(), constInt(8), constInt(8))
                .getMessage()
                .contains("overlap must be < max_tokens (8), got 8"));
    }

    @Test
    void constantModelPathMustNotBeEmpty() {
        typeError(1, javaString(), constString(""), javaInt());
    }

    @Test
    void outputSchema() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(new ExplodeChunksUDTF(), javaString(), javaString(), javaInt());
        assertEquals(List.of("chunk_id", "chunk", "token_start", "token_end"), r.columnNames());
        assertEquals(List.of("int", "string", "int", "int"), r.columnTypes());
    }

    @Test
    void javaInspectorsMatchAnIndependentSplit() throws Exception {
        Udtfs.Run r = new Udtfs.Run(new ExplodeChunksUDTF(), javaString(), javaString(), javaInt(), javaInt());
        List<List<Object>> rows = r.process(TEXT, MODEL, 10, 3);
        assertEquals(expected(tokenizer(MODEL), TEXT, 10, 3), rows);
        assertTrue(rows.size() > 3);
        assertTrue(((String) rows.get(0).get(1)).startsWith("Once upon"), (String)
                rows.get(0).get(1));
        r.close();
    }

    @Test
    void writableAndConstantInspectorsAndAVocabularyOnlyFile() throws Exception {
        String vocab = SharedFiles.vocab("ggml-vocab-gpt-2.gguf").toString();
        Udtfs.Run w = new Udtfs.Run(new ExplodeChunksUDTF(), writableString(), writableString(), writableInt());
        assertEquals(
                expected(tokenizer(vocab), TEXT, 7, 0), w.process(new Text(TEXT), new Text(vocab), new IntWritable(7)));
        Udtfs.Run c =
                new Udtfs.Run(new ExplodeChunksUDTF(), writableString(), constString(vocab), constInt(12), constInt(4));
        assertEquals(
                expected(tokenizer(vocab), TEXT, 12, 4),
                c.process(new Text(TEXT), new Text(vocab), new IntWritable(12), new IntWritable(4)));
        w.close();
        c.close();
    }

    @Test
    void nullOrEmptyTextGivesNoRow() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(new ExplodeChunksUDTF(), javaString(), javaString(), javaInt());
        assertEquals(List.of(), r.process(null, MODEL, 8));
        assertEquals(List.of(), r.process("", MODEL, 8));
        assertEquals(List.of(), r.process("text", MODEL, null));
        assertEquals(List.of(), r.process("text", null, 8));
    }

    @Test
    void perRowOutOfRangeSizesFailTheQueryByName() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(new ExplodeChunksUDTF(), javaString(), javaString(), javaInt(), javaInt());
        UDFArgumentException e = assertThrows(UDFArgumentException.class, () -> r.process("text", MODEL, 0, 0));
        assertEquals("explode_chunks: max_tokens must be an int >= 1, got 0", e.getMessage());
        e = assertThrows(UDFArgumentException.class, () -> r.process("text", MODEL, 4, 4));
        assertEquals("explode_chunks: overlap must be in [0, max_tokens) = [0, 4), got 4", e.getMessage());
    }

    @Test
    void aMissingModelFileIsNamed() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(new ExplodeChunksUDTF(), javaString(), javaString(), javaInt());
        HiveException e = assertThrows(HiveException.class, () -> r.process("text", "/no/such/model.gguf", 8));
        assertTrue(
                e.getMessage()
                        .startsWith("explode_chunks: cannot read the tokenizer of '/no/such/model.gguf': model file"),
                e.getMessage());
    }

    @Test
    void survivesKryoAfterInitializeAndAfterProcess() throws Exception {
        ObjectInspector[] args = {javaString(), constString(MODEL), constInt(9), constInt(2)};
        ExplodeChunksUDTF initialized = new ExplodeChunksUDTF();
        initialized.initialize(args);
        List<List<Object>> expected = expected(tokenizer(MODEL), TEXT, 9, 2);
        assertEquals(
                expected,
                new Udtfs.Run(Udtfs.kryoCopy(initialized), args)
                        .process(TEXT, new Text(MODEL), new IntWritable(9), new IntWritable(2)));

        ExplodeChunksUDTF used = new ExplodeChunksUDTF();
        Udtfs.Run r = new Udtfs.Run(used, args);
        r.process(TEXT, new Text(MODEL), new IntWritable(9), new IntWritable(2));
        assertEquals(
                expected,
                new Udtfs.Run(Udtfs.kryoCopy(used), args)
                        .process(TEXT, new Text(MODEL), new IntWritable(9), new IntWritable(2)));
        r.close();
    }
}
