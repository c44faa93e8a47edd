package dev.drafthorse.hive;

import static dev.drafthorse.hive.Udtfs.constString;
import static dev.drafthorse.hive.Udtfs.constStringList;
import static dev.drafthorse.hive.Udtfs.constStringMap;
import static dev.drafthorse.hive.Udtfs.javaString;
import static dev.drafthorse.hive.Udtfs.list;
import static dev.drafthorse.hive.Udtfs.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.chat.ChatTemplate;
import dev.drafthorse.kernels.chat.Message;
import dev.drafthorse.kernels.generate.GenerationResult;
import dev.drafthorse.kernels.generate.Generator;
import dev.drafthorse.kernels.generate.Scorer;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.gguf.GgufWriter;
import dev.drafthorse.kernels.gguf.MetadataValue;
import dev.drafthorse.kernels.gguf.TensorInfo;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.ql.exec.UDFArgumentTypeException;
import org.apache.hadoop.io.Text;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code chat} options of {@code llm_generate} and {@code llm_score}, on stories260K carrying Gemma 2's chat
 * template ({@code shared/chat}): outputs equal the engine run on the render tokenized independently; Gemma's
 * "System role not supported" rejects the row with its message; bad options fail at their position by name.
 */
class LlmChatOptionsTest {
    static final String PROMPT = "Tom had a red ball";
    static final LocalDate DATE = LocalDate.of(2026, 1, 15);

    @TempDir
    static Path dir;

    static String model;

    @BeforeAll
    static void chatModel() throws IOException {
        model = withTemplate(
                        dir.resolve("stories-gemma.gguf"),
                        Files.readString(SharedFiles.root().resolve("chat").resolve("google-gemma-2-2b-it.jinja")))
                .toString();
    }

    /** stories260K with a chat template in its metadata (weights unchanged). */
    static Path withTemplate(Path out, String template) throws IOException {
        GgufFile f = GgufFile.open(SharedFiles.model("stories260K.gguf"));
        GgufWriter w = new GgufWriter();
        for (Map.Entry<String, MetadataValue> e : f.metadata().entrySet()) {
            w.put(e.getKey(), e.getValue());
        }
        w.putString("tokenizer.chat_template", template);
        for (TensorInfo t : f.tensors().values()) {
            byte[] b = new byte[(int) t.bytes()];
            f.data(t.name()).get(b);
            w.tensor(t.name(), t.type(), t.shape(), b);
        }
        w.write(out);
        return out;
    }

    /** The render's ids, tokenized without the functions' code (this template writes <s> itself). */
    static int[] renderIds(Model m, String text) {
        return m.tokenizer().encode(text, false, true);
    }

    static String render(List<Message> messages) throws IOException {
        ChatTemplate t = ChatTemplate.parse(
                Files.readString(SharedFiles.root().resolve("chat").resolve("google-gemma-2-2b-it.jinja")));
        return t.render(messages, true, "<s>", "</s>", DATE).text();
    }

    @Test
    void generateWithChatIsTheEngineOnTheRender() throws Exception {
        Udtfs.Run r = new Udtfs.Run(
                new LlmGenerateUDTF(),
                javaString(),
                constString(model),
                constStringMap("chat", "true", "max_new_tokens", "10", "date", "2026-01-15"));
        List<List<Object>> rows = r.process(PROMPT, new Text(model), null);
        r.close();
        try (Parallel par = new Parallel(1)) {
            Model m = Model.load(Path.of(model), par);
            GenerationOptions o =
                    new GenerationOptions(10, new SamplerOptions(0, 0, 1f, 0f, 0), List.of(), KvType.F32, 256, 0);
            GenerationResult g = new Generator(m)
                    .generate(
                            renderIds(m, render(List.of(new Message("user", PROMPT)))),
                            o,
                            Rng.forRow(0, PROMPT + "#0"),
                            t -> {});
            assertEquals(
                    List.of(Arrays.asList(
                            0, g.text(), g.tokens().length, g.finish().label(), null)),
                    rows);
        }
    }

    @Test
    void aTemplateThatRaisesRejectsTheRowWithItsMessage() throws Exception {
        Udtfs.Run r = new Udtfs.Run(new LlmGenerateUDTF(), javaString(), javaString(), map(javaString(), javaString()));
        List<List<Object>> rows =
                r.process(PROMPT, model, Map.of("chat", "true", "system", "Be kind.", "max_new_tokens", "4"));
        assertEquals(List.of(Arrays.asList(0, null, null, null, "System role not supported")), rows);
        // The same function goes on with the next row.
        assertEquals(
                1,
                r.process(PROMPT, model, Map.of("chat", "true", "max_new_tokens", "4"))
                        .size());
        r.close();
    }

    @Test
    void scoreWithChatScoresAfterTheAssistantHeader() throws Exception {
        Udtfs.Run r = new Udtfs.Run(
                new LlmScoreUDTF(),
                javaString(),
                list(javaString()),
                constString(model),
                constStringMap("chat", "true", "date", "2026-01-15"));
        List<List<Object>> rows = r.process("Was Tom happy?", List.of("Yes", "No"), new Text(model), null);
        try (Parallel par = new Parallel(1)) {
            Model m = Model.load(Path.of(model), par);
            String text = render(List.of(new Message("user", "Was Tom happy?")));
            List<Scorer.Score> ref = new Scorer(m)
                    .scoreTree(renderIds(m, text), List.of(renderIds(m, text + "Yes"), renderIds(m, text + "No")));
            assertEquals(2, rows.size());
            assertEquals(ref.get(0).logprob(), (double) rows.get(0).get(1), 0.0);
            assertEquals(ref.get(1).logprob(), (double) rows.get(1).get(1), 0.0);
        }
        Udtfs.Run sys = new Udtfs.Run(
                new LlmScoreUDTF(), javaString(), list(javaString()), javaString(), map(javaString(), javaString()));
        List<List<Object>> rejected = sys.process("Hi", List.of("Yes"), model, Map.of("chat", "true", "system", "x"));
        assertEquals(List.of(Arrays.asList("Yes", null, null, "System role not supported")), rejected);
        r.close();
        sys.close();
    }

    @Test
    void badChatOptionsFailByName() {
        UDFArgumentTypeException e = assertThrows(
                UDFArgumentTypeException.class,
                () -> new LlmGenerateUDTF()
                        .initialize(new org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector[] {
                            javaString(), constString(model), constStringMap("chat", "yes")
                        }));
        assertEquals(2, e.getArgumentId());
        assertTrue(e.getMessage().contains("option 'chat' must be true or false, got 'yes'"), e.getMessage());
        e = assertThrows(
                UDFArgumentTypeException.class,
                () -> new LlmScoreUDTF()
                        .initialize(new org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector[] {
                            javaString(),
                            constStringList("a"),
                            constString(model),
                            constStringMap("chat", "true", "date", "15.01.2026")
                        }));
        assertEquals(3, e.getArgumentId());
        assertTrue(
                e.getMessage().contains("option 'date' must be a date YYYY-MM-DD, got '15.01.2026'"), e.getMessage());
        e = assertThrows(
                UDFArgumentTypeException.class,
                () -> new LlmScoreUDTF()
                        .initialize(new org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector[] {
                            javaString(), constStringList("a"), constString(model), constStringMap("temperature", "1")
                        }));
        assertTrue(e.getMessage().contains("unknown option 'temperature' (known: chat, system, date)"), e.getMessage());
        e = assertThrows(
                UDFArgumentTypeException.class,
                () -> new LlmGenerateUDTF()
                        .initialize(new org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector[] {
                            javaString(), constString(model), constStringMap("system", "x")
                        }));
        assertTrue(e.getMessage().contains("option 'system' goes with chat = 'true'"), e.getMessage());
    }

    @Test
    void theDefaultDateIsTheQuerysDay() {
        Configuration conf = new Configuration(false);
        conf.set("hive.query.id", "some_user_20260115103000_1b2c3d4e-aaaa-bbbb-cccc-000000000000");
        assertEquals(DATE, ChatOptions.parse(Map.of("chat", "true")).dateFor(conf));
        assertEquals(
                LocalDate.of(2025, 2, 3),
                ChatOptions.parse(Map.of("chat", "true", "date", "2025-02-03")).dateFor(conf));
        assertEquals(
                LocalDate.now(java.time.ZoneOffset.UTC),
                ChatOptions.parse(Map.of("chat", "true")).dateFor(null));
    }
}
