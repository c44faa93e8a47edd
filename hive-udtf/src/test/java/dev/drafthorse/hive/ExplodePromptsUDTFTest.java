package dev.drafthorse.hive;

import static dev.drafthorse.hive.Udtfs.constString;
import static dev.drafthorse.hive.Udtfs.constStringList;
import static dev.drafthorse.hive.Udtfs.javaInt;
import static dev.drafthorse.hive.Udtfs.javaString;
import static dev.drafthorse.hive.Udtfs.list;
import static dev.drafthorse.hive.Udtfs.map;
import static dev.drafthorse.hive.Udtfs.struct;
import static dev.drafthorse.hive.Udtfs.writableInt;
import static dev.drafthorse.hive.Udtfs.writableString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.hive.ql.exec.UDFArgumentLengthException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentTypeException;
import org.apache.hadoop.hive.ql.metadata.HiveException;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.apache.hadoop.io.Text;
import org.junit.jupiter.api.Test;

class ExplodePromptsUDTFTest {
    private static final ObjectInspector REVIEW = struct(List.of("title", "stars"), List.of(javaString(), javaInt()));
    private static final List<String> TEMPLATES = List.of("Title: {title}", "Stars: {stars}/5 for {title}");

    private static List<Object> row(Object... cells) {
        return Arrays.asList(cells);
    }

    private static UDFArgumentTypeException typeError(int position, ObjectInspector... args) {
        UDFArgumentTypeException e =
                assertThrows(UDFArgumentTypeException.class, () -> new ExplodePromptsUDTF().initialize(args));
        assertEquals(position, e.getArgumentId(), e.getMessage());
        assertTrue(e.getMessage().startsWith("explode_prompts: "), e.getMessage());
        return e;
    }

    // ---- initialize: one test per failure

    @Test
    void wrongArity() {
        assertThrows(
                UDFArgumentLengthException.class,
                () -> new ExplodePromptsUDTF().initialize(new ObjectInspector[] {javaString()}));
        UDFArgumentLengthException e = assertThrows(
                UDFArgumentLengthException.class,
                () -> new ExplodePromptsUDTF().initialize(new ObjectInspector[] {javaString(), REVIEW, REVIEW}));
        assertTrue(
                e.getMessage().startsWith("explode_prompts takes 2 arguments, got 3: explode_prompts(templates"),
                e.getMessage());
    }

    @Test
    void templatesMustBeStringsOrArrayOfStrings() {
        typeError(0, javaInt(), REVIEW);
        assertTrue(
                typeError(0, list(javaInt()), REVIEW).getMessage().contains("ARRAY<STRING> or STRING, got array<int>"));
    }

    @Test
    void fieldsMustBeStructOrMap() {
        assertTrue(typeError(1, javaString(), javaString())
                .getMessage()
                .contains("must be a STRUCT or a MAP, got string"));
    }

    @Test
    void mapFieldsNeedStringKeysAndPrimitiveValues() {
        typeError(1, javaString(), map(javaInt(), javaString()));
        typeError(1, javaString(), map(javaString(), list(javaString())));
    }

    @Test
    void constantMalformedTemplateFailsAtInitialize() {
        UDFArgumentTypeException e = typeError(0, constStringList("ok {title}", "bad {title"), REVIEW);
        assertTrue(e.getMessage().contains("template 1: bad placeholder '{title' at character 5"), e.getMessage());
    }

    @Test
    void constantTemplateWithMissingFieldFailsAtInitializeNamingIt() {
        UDFArgumentTypeException e = typeError(1, constStringList("{title}", "{body}"), REVIEW);
        assertTrue(
                e.getMessage()
                        .contains("template 1: placeholder {body}: fields has no field 'body' (it has: stars, title)"),
                e.getMessage());
    }

    @Test
    void constantTemplateWithNonPrimitiveFieldFailsAtInitialize() {
        ObjectInspector s = struct(List.of("tags"), List.of(list(javaString())));
        assertTrue(typeError(1, constString("{tags}"), s)
                .getMessage()
                .contains("field 'tags' is array<string>, not a primitive"));
    }

    // ---- schema and rows

    @Test
    void outputSchema() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(new ExplodePromptsUDTF(), list(javaString()), REVIEW);
        assertEquals(List.of("template_id", "prompt", "error"), r.columnNames());
        assertEquals(List.of("int", "string", "string"), r.columnTypes());
    }

    @Test
    void javaInspectorsOneRowPerTemplate() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(new ExplodePromptsUDTF(), list(javaString()), REVIEW);
        assertEquals(
                List.of(row(0, "Title: Good pan", null), row(1, "Stars: 4/5 for Good pan", null)),
                r.process(TEMPLATES, List.of("Good pan", 4)));
        assertEquals(
                List.of(row(0, "Title: Bad lid", null), row(1, "Stars: 1/5 for Bad lid", null)),
                r.process(TEMPLATES, List.of("Bad lid", 1)));
        r.close();
    }

    @Test
    void writableInspectorsAndMapFields() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(
                new ExplodePromptsUDTF(), list(writableString()), map(writableString(), writableString()));
        Map<Text, Text> fields = new HashMap<>();
        fields.put(new Text("Title"), new Text("Good pan"));
        fields.put(new Text("body"), null);
        List<Text> templates = List.of(new Text("{Title}!"), new Text("{title}"), new Text("{body}"));
        assertEquals(
                List.of(
                        row(0, "Good pan!", null),
                        row(1, null, "placeholder {title}: fields has no key 'title' (it has: Title, body)"),
                        row(2, null, "placeholder {body}: field 'body' is NULL")),
                r.process(templates, fields));
    }

    @Test
    void constantTemplatesAndOneStringTemplate() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(
                new ExplodePromptsUDTF(),
                constStringList("A {title}", null, "B {STARS}"),
                struct(List.of("title", "stars"), List.of(writableString(), writableInt())));
        assertEquals(
                List.of(row(0, "A x", null), row(2, "B 5", null)),
                r.process(
                        Arrays.asList(new Text("A {title}"), null, new Text("B {STARS}")),
                        List.of(new Text("x"), new org.apache.hadoop.io.IntWritable(5))));
        Udtfs.Run one = new Udtfs.Run(new ExplodePromptsUDTF(), javaString(), REVIEW);
        assertEquals(List.of(row(0, "T=z", null)), one.process("T={title}", List.of("z", 2)));
    }

    @Test
    void nullInputGivesNoRowAndNullTemplatesAreSkipped() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(new ExplodePromptsUDTF(), list(javaString()), REVIEW);
        assertEquals(List.of(), r.process(null, List.of("t", 1)));
        assertEquals(List.of(), r.process(TEMPLATES, null));
        assertEquals(List.of(row(1, "b", null)), r.process(Arrays.asList(null, "b"), List.of("t", 1)));
    }

    @Test
    void rowsThatCannotBeFilledCarryTheReason() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(new ExplodePromptsUDTF(), list(javaString()), REVIEW);
        assertEquals(
                List.of(
                        row(0, null, "placeholder {title}: field 'title' is NULL"),
                        row(1, null, "placeholder {nope}: fields has no field 'nope' (it has: stars, title)"),
                        row(
                                2,
                                null,
                                "template 2: bad placeholder '{x y}' at character 1: a placeholder is {name} with letters,"
                                        + " digits and _ (write {{ and }} for literal braces)"),
                        row(3, null, "the prompt is empty"),
                        row(4, "3", null)),
                r.process(List.of("{title}", "{nope}", "{x y}", "", "{stars}"), Arrays.asList(null, 3)));
    }

    @Test
    void survivesKryoAfterInitializeAndAfterProcess() throws HiveException {
        ExplodePromptsUDTF udtf = new ExplodePromptsUDTF();
        Udtfs.Run r = new Udtfs.Run(udtf, list(javaString()), REVIEW);
        List<List<Object>> expected = r.process(TEMPLATES, List.of("Good pan", 4));

        ExplodePromptsUDTF initialized = new ExplodePromptsUDTF();
        initialized.initialize(new ObjectInspector[] {list(javaString()), REVIEW});
        Udtfs.Run afterInit = new Udtfs.Run(Udtfs.kryoCopy(initialized), list(javaString()), REVIEW);
        assertEquals(expected, afterInit.process(TEMPLATES, List.of("Good pan", 4)));
        Udtfs.Run afterProcess = new Udtfs.Run(Udtfs.kryoCopy(udtf), list(javaString()), REVIEW);
        assertEquals(expected, afterProcess.process(TEMPLATES, List.of("Good pan", 4)));
    }
}
