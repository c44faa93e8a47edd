package dev.drafthorse.hive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drafthorse.ensemble.Prediction;
import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.embed.Embedder;
import dev.drafthorse.kernels.generate.Scorer;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.hive.ql.MapRedStats;
import org.apache.hadoop.hive.ql.session.SessionState;
import org.apache.hadoop.hive.ql.udf.generic.GenericUDTF;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The functions in real Hive SQL: one in-process Hive 4.1 session (metastore on in-memory Derby, local
 * MapReduce) for the whole class, as a session costs tens of seconds here. Every function runs through
 * {@code LATERAL VIEW} and {@code LATERAL VIEW OUTER}, chained lateral views, and an {@code INSERT ...
 * SELECT} that runs a local MapReduce job (so the functions travel in a serialized plan and find the
 * model through the job's added files); results are compared with the engine called directly.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HiveSqlTest {
    static final Path MODEL = SharedFiles.model("stories260K.gguf");
    static final String SUN = "The sun was hot and the cat";

    @TempDir
    static Path dir;

    static EmbeddedHive hive;
    static String schemeModel;
    static EnsembleFixture.Trained ensemble;

    @BeforeAll
    static void startHive() throws Exception {
        Files.writeString(dir.resolve("reviews.tsv"), """
                1\tGood pan\tHeats evenly and cleans up fast.
                2\tBad lid\tThe lid does not fit.
                3\t\\N\tNo title here.
                """);
        Files.writeString(dir.resolve("docs.tsv"), "1\t" + ExplodeChunksUDTFTest.TEXT + "\n2\t\\N\n3\tA short one.\n");
        Files.writeString(dir.resolve("prompts.tsv"), "1\t" + SUN + "\n2\tLily\n3\t\\N\n");
        StringBuilder texts = new StringBuilder();
        JsonNode oracle = embedOracle();
        for (int i = 0; i < oracle.get("texts").size(); i++) {
            texts.append(i)
                    .append('\t')
                    .append(oracle.get("texts").get(i).asText())
                    .append('\n');
        }
        Files.writeString(dir.resolve("texts.tsv"), texts + "3\t\\N\n");
        Path remote = dir.resolve("remote");
        Files.createDirectories(remote);
        Files.copy(MODEL, remote.resolve("stories260K.gguf"));
        schemeModel = SchemeFileSystem.SCHEME + "://" + remote.resolve("stories260K.gguf");

        ensemble = EnsembleFixture.train(Files.createDirectories(dir.resolve("ensemble")));
        StringBuilder judged = new StringBuilder();
        for (int i = 0; i < ensemble.table().size(); i++) {
            judged.append(ensemble.table().ids().get(i));
            for (double v : ensemble.table().rows()[i]) {
                judged.append('\t').append(v);
            }
            judged.append('\n');
        }
        Files.writeString(dir.resolve("judged.tsv"), judged + "rnull\t0.5\t\\N\t1.0\n");

        hive = EmbeddedHive.open(null, Map.of(), new PrintStream(PrintStream.nullOutputStream()), System.err);
        for (String table : List.of(
                "reviews (id INT, title STRING, body STRING)",
                "docs (id INT, body STRING)",
                "prompts (id INT, prompt STRING)",
                "texts (id INT, body STRING)",
                "judged (id STRING, f1 DOUBLE, f2 DOUBLE, f3 DOUBLE)")) {
            String name = table.substring(0, table.indexOf(' '));
            hive.execute(
                    "CREATE TABLE " + table + " ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' STORED AS TEXTFILE");
            hive.execute("LOAD DATA LOCAL INPATH '" + dir.resolve(name + ".tsv") + "' INTO TABLE " + name);
        }
        hive.execute("ADD FILE " + MODEL);
        hive.execute("ADD FILE " + ensemble.file());
        hive.execute("SET fs." + SchemeFileSystem.SCHEME + ".impl=" + SchemeFileSystem.class.getName());
    }

    @AfterAll
    static void stopHive() throws IOException {
        if (hive != null) {
            hive.close();
        }
    }

    private static List<String> query(String sql) throws EmbeddedHive.StatementException {
        return hive.query(sql);
    }

    private static String row(Object... cells) {
        List<String> s = new ArrayList<>();
        for (Object c : cells) {
            s.add(c == null ? "NULL" : c.toString());
        }
        return String.join("\t", s);
    }

    private static String[] cells(String row) {
        return row.split("\t", -1);
    }

    // ---------------------------------------------------------------------------------------------------

    @Test
    void describeFunctionExtendedPrintsTheDocumentation() throws Exception {
        for (String f : Functions.all().keySet()) {
            String doc = String.join("\n", query("DESCRIBE FUNCTION EXTENDED " + f));
            assertTrue(doc.startsWith(f + "("), doc);
            assertTrue(doc.contains("Example:"), doc);
            boolean udtf = GenericUDTF.class.isAssignableFrom(Functions.all().get(f));
            // llm_infer is the one UDTF used in a plain SELECT (it batches across the rows it is given).
            String use = f.equals("llm_infer") ? "SELECT " : udtf ? "LATERAL VIEW " : "SELECT id, ";
            assertTrue(doc.contains(use + f + "("), doc);
            assertFalse(doc.contains("_FUNC_"), doc);
        }
    }

    @Test
    void explodePromptsLateralView() throws Exception {
        List<String> rows = query("SELECT r.id, p.template_id, p.prompt, p.error FROM reviews r LATERAL VIEW"
                + " explode_prompts(array('Title: {title}', 'Review of {title}: {body}'),"
                + " named_struct('title', r.title, 'body', r.body)) p AS template_id, prompt, error");
        assertEquals(
                List.of(
                        row(1, 0, "Title: Good pan", null),
                        row(1, 1, "Review of Good pan: Heats evenly and cleans up fast.", null),
                        row(2, 0, "Title: Bad lid", null),
                        row(2, 1, "Review of Bad lid: The lid does not fit.", null),
                        row(3, 0, null, "placeholder {title}: field 'title' is NULL"),
                        row(3, 1, null, "placeholder {title}: field 'title' is NULL")),
                rows);
    }

    @Test
    void explodePromptsLateralViewOuterKeepsRowsWithNullInput() throws Exception {
        String from = "FROM reviews r LATERAL VIEW %s explode_prompts(IF(r.title IS NULL, NULL, array('T: {title}')),"
                + " map('title', r.title)) p AS template_id, prompt, error";
        assertEquals(
                List.of(row(1, 0, "T: Good pan"), row(2, 0, "T: Bad lid"), row(3, null, null)),
                query("SELECT r.id, p.template_id, p.prompt " + from.formatted("OUTER")));
        assertEquals(
                List.of(row(1, 0, "T: Good pan"), row(2, 0, "T: Bad lid")),
                query("SELECT r.id, p.template_id, p.prompt " + from.formatted("")));
    }

    @Test
    void explodePromptsConstantTemplateWithMissingFieldFailsAtCompileTime() {
        EmbeddedHive.StatementException e = assertThrows(
                EmbeddedHive.StatementException.class,
                () -> query(
                        "SELECT p.prompt FROM reviews r LATERAL VIEW explode_prompts('{summary}', named_struct('title', r.title)) p"
                                + " AS template_id, prompt, error"));
        assertTrue(
                e.getMessage().contains("placeholder {summary}: fields has no field 'summary' (it has: title)"),
                e.getMessage());
    }

    @Test
    void explodeChunksLateralViewAndOuter() throws Exception {
        Tokenizer tok = Tokenizer.fromGguf(GgufFile.open(MODEL));
        List<String> expected = new ArrayList<>();
        for (List<Object> r : ExplodeChunksUDTFTest.expected(tok, ExplodeChunksUDTFTest.TEXT, 16, 4)) {
            expected.add(row(1, r.get(0), r.get(1), r.get(2), r.get(3)));
        }
        expected.add(row(3, 0, "A short one.", 0, tok.encode("A short one.", false, false).length));
        String sql = "SELECT d.id, c.chunk_id, c.chunk, c.token_start, c.token_end FROM docs d LATERAL VIEW %s"
                + " explode_chunks(d.body, 'stories260K.gguf', 16, 4) c AS chunk_id, chunk, token_start, token_end";
        assertEquals(expected, query(sql.formatted("")));
        List<String> outer = query(sql.formatted("OUTER"));
        assertTrue(outer.contains(row(2, null, null, null, null)), outer.toString());
        assertEquals(expected.size() + 1, outer.size());
    }

    /** llama-embedding's vectors for llama_tied_gqa (recorded in inference-kernels' test resources, see scripts/embedding-oracle.sh). */
    static JsonNode embedOracle() throws IOException {
        return new ObjectMapper()
                .readTree(Path.of("../inference-kernels/src/test/resources/embed/llama_tied_gqa.json")
                        .toFile());
    }

    static float[] floats(String hiveArray) {
        assertTrue(hiveArray.startsWith("[") && hiveArray.endsWith("]"), hiveArray);
        String[] parts = hiveArray.substring(1, hiveArray.length() - 1).split(",");
        float[] v = new float[parts.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.parseFloat(parts[i]);
        }
        return v;
    }

    @Test
    void llmEmbedGivesTheEnginesVectorsAndLlamaCpps() throws Exception {
        Path llama = SharedFiles.model("arch").resolve("llama_tied_gqa.gguf");
        JsonNode oracle = embedOracle();
        for (String pooling : List.of("mean", "last")) {
            List<String> rows = query("SELECT id, llm_embed(body, '" + llama + "', map('pooling', '" + pooling
                    + "')) FROM texts ORDER BY id");
            assertEquals(4, rows.size(), rows.toString());
            assertEquals(row(3, null), rows.get(3));
            try (Parallel par = new Parallel(1)) {
                Model m = Model.load(llama, par);
                Embedder e = new Embedder(
                        m,
                        dev.drafthorse.kernels.embed.Pooling.parse("pooling", pooling),
                        dev.drafthorse.kernels.embed.Normalization.L2,
                        m.config().contextLength(),
                        Embedder.DEFAULT_BATCH_TOKENS);
                for (int i = 0; i < 3; i++) {
                    String[] c = cells(rows.get(i));
                    assertEquals(String.valueOf(i), c[0]);
                    float[] got = floats(c[1]);
                    org.junit.jupiter.api.Assertions.assertArrayEquals(
                            e.embed(oracle.get("texts").get(i).asText()), got, pooling + " row " + i);
                    JsonNode ref = oracle.get(pooling).get(i);
                    for (int k = 0; k < got.length; k++) {
                        assertEquals(
                                ref.get(k).asDouble(),
                                got[k],
                                1e-5,
                                pooling + " row " + i + " element " + k + " against llama.cpp");
                    }
                }
            }
        }
    }

    /** The README's similarity search: a query vector against a table of vectors, the cosine summed over posexplode. */
    @Test
    void similaritySearchRanksByCosine() throws Exception {
        Path llama = SharedFiles.model("arch").resolve("llama_tied_gqa.gguf");
        String query = "The cat sat on the mat.";
        List<String> rows = query("WITH q AS (SELECT llm_embed('" + query + "', '" + llama + "') AS qv),"
                + " pairs AS (SELECT t.id, llm_embed(t.body, '" + llama
                + "') AS v, q.qv FROM texts t CROSS JOIN q WHERE t.body IS NOT NULL)"
                + " SELECT p.id, SUM(x * p.qv[i]) AS cosine FROM pairs p LATERAL VIEW posexplode(p.v) e AS i, x"
                + " GROUP BY p.id ORDER BY cosine DESC");
        assertEquals(3, rows.size(), rows.toString());
        JsonNode oracle = embedOracle();
        try (Parallel par = new Parallel(1)) {
            Embedder e = Embedder.of(Model.load(llama, par));
            float[] q = e.embed(query);
            double previous = Double.POSITIVE_INFINITY;
            for (String r : rows) {
                String[] c = cells(r);
                float[] v =
                        e.embed(oracle.get("texts").get(Integer.parseInt(c[0])).asText());
                double dot = 0;
                for (int k = 0; k < v.length; k++) {
                    dot += (double) v[k] * q[k];
                }
                double cosine = Double.parseDouble(c[1]);
                assertEquals(dot, cosine, 1e-6, r);
                assertTrue(cosine <= previous, rows.toString());
                previous = cosine;
            }
        }
    }

    @Test
    void llmEmbedOfExplodedChunks() throws Exception {
        List<String> rows = query(
                "SELECT d.id, c.chunk_id, c.chunk, llm_embed(c.chunk, 'stories260K.gguf') FROM docs d LATERAL VIEW"
                        + " explode_chunks(d.body, 'stories260K.gguf', 16, 4) c AS chunk_id, chunk, token_start, token_end");
        assertTrue(rows.size() > 2, rows.toString());
        try (Parallel par = new Parallel(1)) {
            Embedder e = Embedder.of(Model.load(MODEL, par));
            for (String r : rows) {
                String[] c = cells(r);
                org.junit.jupiter.api.Assertions.assertArrayEquals(e.embed(c[2]), floats(c[3]), r);
            }
        }
    }

    @Test
    void llmInferInAPlainSelectEqualsTheGeneratorSeededById() throws Exception {
        List<String> expected = new ArrayList<>();
        try (Parallel par = new Parallel(1)) {
            Model m = Model.load(MODEL, par);
            expected.add(row(LlmInferUDTFTest.oracle(m, "1", SUN, 0.8f, 12, 3).toArray()));
            expected.add(
                    row(LlmInferUDTFTest.oracle(m, "2", "Lily", 0.8f, 12, 3).toArray()));
        }
        expected.add(row(3, null, null, null, "NULL prompt"));
        List<String> rows = new ArrayList<>(query("SELECT llm_infer(id, prompt, 'stories260K.gguf',"
                + " map('max_new_tokens', '12', 'temperature', '0.8', 'seed', '3', 'batch_size', '2')) FROM prompts"));
        rows.sort(null);
        assertEquals(expected, rows);
        // The columns have names, and the function fits in a subquery like any table.
        assertEquals(
                List.of("1\t12", "2\t12"),
                query("SELECT t.id, t.tokens FROM (SELECT llm_infer(id, prompt, 'stories260K.gguf',"
                        + " map('max_new_tokens', '12')) FROM prompts) t WHERE t.error IS NULL ORDER BY t.id"));
        EmbeddedHive.StatementException e = assertThrows(
                EmbeddedHive.StatementException.class,
                () -> query("SELECT llm_infer(id, prompt, 'nope.gguf') FROM prompts"));
        assertTrue(e.getMessage().contains("llm_infer: model_path: model file 'nope.gguf' not found"), e.getMessage());
    }

    /** The sum of a counter over the MapReduce jobs of the last query. */
    private static long counter(HiveCounter c) {
        long sum = 0;
        for (MapRedStats s : SessionState.get().getMapRedStats().values()) {
            sum += s.getCounters().findCounter(c).getValue();
        }
        return sum;
    }

    /**
     * In every LLM function a failing row gives an error value and the query completes: in a MapReduce job (a fetch
     * task has no counters), the errors are counted in the job's counters, and the good rows are what they are alone.
     */
    @Test
    void failingRowsGiveErrorValuesCountedInTheJobAndTheOthersAreUnaffected() throws Exception {
        String tooLong = "the cat sat ".repeat(600);
        Files.writeString(dir.resolve("mixed.tsv"), "a\t" + SUN + "\nb\t\nc\t" + tooLong + "\nd\t\\N\ne\tLily\n");
        hive.execute("CREATE TABLE mixed (id STRING, prompt STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t'");
        hive.execute("LOAD DATA LOCAL INPATH '" + dir.resolve("mixed.tsv") + "' INTO TABLE mixed");
        hive.execute("SET hive.fetch.task.conversion=none"); // every query a MapReduce job, so there are counters
        try {
            // llm_infer: empty, too long and NULL prompts are errors; a and e are decoded as alone.
            List<String> infer = new ArrayList<>(query(
                    "SELECT llm_infer(id, prompt, 'stories260K.gguf'," + " map('max_new_tokens', '6')) FROM mixed"));
            infer.sort(null);
            try (Parallel par = new Parallel(1)) {
                Model m = Model.load(MODEL, par);
                assertEquals(row(LlmInferUDTFTest.oracle(m, "a", SUN, 0f, 6, 0).toArray()), infer.get(0));
                assertEquals(
                        row(LlmInferUDTFTest.oracle(m, "e", "Lily", 0f, 6, 0).toArray()), infer.get(4));
            }
            assertEquals(row("b", null, null, null, "empty prompt"), infer.get(1));
            assertTrue(cells(infer.get(2))[4].startsWith("prompt of "), infer.get(2));
            assertEquals(row("d", null, null, null, "NULL prompt"), infer.get(3));
            assertEquals(3, counter(HiveCounter.LLM_INFER_ROW_ERRORS));
            assertEquals(2, counter(HiveCounter.LLM_INFER_ROWS_DECODED));

            // llm_generate: the empty prompt, and e's bad per-row option (a NULL prompt gives no row, as explode's).
            List<String> gen = query("SELECT p.id, g.text IS NULL, g.error FROM mixed p LATERAL VIEW"
                    + " llm_generate(p.prompt, 'stories260K.gguf', map('max_new_tokens', '4',"
                    + " 'temperature', if(p.id = 'e', 'hot', '0'))) g AS sample_id, text, tokens, finish_reason, error"
                    + " WHERE p.id <> 'c' ORDER BY p.id");
            assertEquals(
                    List.of(
                            row("a", false, null),
                            row("b", true, "empty prompt"),
                            row("e", true, "option 'temperature' must be a number, got 'hot'")),
                    gen);
            assertEquals(2, counter(HiveCounter.LLM_GENERATE_ROW_ERRORS));

            // llm_score: the empty prompt, and e's bad per-row option.
            List<String> score = query("SELECT p.id, s.candidate, s.logprob IS NULL, s.error FROM mixed p LATERAL VIEW"
                    + " llm_score(p.prompt, array(' yes'), 'stories260K.gguf', map('chat', if(p.id = 'e', 'maybe',"
                    + " 'false'))) s AS candidate, logprob, prob, error WHERE p.id <> 'c' ORDER BY p.id");
            assertEquals(
                    List.of(
                            row("a", " yes", false, null),
                            row("b", " yes", true, "empty prompt"),
                            row("e", " yes", true, "option 'chat' must be true or false, got 'maybe'")),
                    score);
            assertEquals(2, counter(HiveCounter.LLM_SCORE_ROW_ERRORS));

            // llm_embed: NULL for the empty and the too-long text and e's bad option; NULL input is not an error.
            List<String> emb = query("SELECT id, llm_embed(prompt, 'stories260K.gguf', map('pooling',"
                    + " if(id = 'e', 'sideways', 'mean'))) IS NULL FROM mixed ORDER BY id");
            assertEquals(List.of(row("a", false), row("b", true), row("c", true), row("d", true), row("e", true)), emb);
            assertEquals(3, counter(HiveCounter.LLM_EMBED_ROW_ERRORS));
        } finally {
            hive.execute("SET hive.fetch.task.conversion=more");
        }
    }

    @Test
    void llmGenerateGreedyEqualsTheReferenceText() throws Exception {
        String expected = Files.readString(SharedFiles.model("stories260K.greedy.sun.120.txt"))
                .strip();
        List<String> rows = query("SELECT g.sample_id, g.text, g.tokens, g.finish_reason FROM prompts p LATERAL VIEW"
                + " llm_generate(p.prompt, 'stories260K.gguf', map('max_new_tokens', '120')) g"
                + " AS sample_id, text, tokens, finish_reason, error WHERE p.id = 1");
        assertEquals(1, rows.size());
        String[] c = cells(rows.get(0));
        assertEquals("0", c[0]);
        assertEquals(expected, c[1].strip());
        assertEquals("120", c[2]);
        assertEquals("length", c[3]);
    }

    @Test
    void llmGenerateSamplesEqualTheEngineAndOuterKeepsNullPrompts() throws Exception {
        List<String> expected = new ArrayList<>();
        for (String prompt : List.of(SUN, "Lily")) {
            for (List<Object> r : LlmGenerateUDTFTest.engine(prompt, 2, 0.9f, 16, 5)) {
                expected.add(row(prompt.equals(SUN) ? 1 : 2, r.get(0), r.get(1), r.get(2), r.get(3)));
            }
        }
        expected.add(row(3, null, null, null, null));
        List<String> rows = query("SELECT p.id, g.sample_id, g.text, g.tokens, g.finish_reason FROM prompts p"
                + " LATERAL VIEW OUTER llm_generate(p.prompt, '" + MODEL.toUri() + "',"
                + " map('n', '2', 'temperature', '0.9', 'max_new_tokens', '16', 'seed', '5')) g"
                + " AS sample_id, text, tokens, finish_reason, error");
        assertEquals(expected, rows);
    }

    @Test
    void chatOptionRendersTheModelsTemplateAndRejectsWhatItRaises() throws Exception {
        Path chatModel = LlmChatOptionsTest.withTemplate(
                dir.resolve("stories-gemma.gguf"),
                Files.readString(SharedFiles.root().resolve("chat").resolve("google-gemma-2-2b-it.jinja")));
        List<String> rows =
                query("SELECT p.id, g.text, g.finish_reason FROM prompts p LATERAL VIEW llm_generate(p.prompt, '"
                        + chatModel.toUri() + "', map('chat', 'true', 'max_new_tokens', '8', 'date', '2026-01-15')) g"
                        + " AS sample_id, text, tokens, finish_reason, error WHERE p.id = 1");
        Udtfs.Run direct = new Udtfs.Run(
                new LlmGenerateUDTF(),
                Udtfs.javaString(),
                Udtfs.javaString(),
                Udtfs.map(Udtfs.javaString(), Udtfs.javaString()));
        List<Object> expected = direct.process(
                        SUN, chatModel.toString(), Map.of("chat", "true", "max_new_tokens", "8", "date", "2026-01-15"))
                .get(0);
        direct.close();
        assertEquals(List.of(row(1, expected.get(1), expected.get(3))), rows);
        List<String> rejected = query(
                "SELECT p.id, g.text, g.finish_reason, g.error FROM prompts p LATERAL VIEW llm_generate(p.prompt, '"
                        + chatModel.toUri() + "', map('chat', 'true', 'system', 'Be brief.', 'max_new_tokens', '8')) g"
                        + " AS sample_id, text, tokens, finish_reason, error WHERE p.id = 2");
        assertEquals(List.of(row(2, null, null, "System role not supported")), rejected);
        List<String> scores =
                query("SELECT s.candidate FROM prompts p LATERAL VIEW llm_score(p.prompt, array('Yes', 'No'), '"
                        + chatModel.toUri()
                        + "', map('chat', 'true')) s AS candidate, logprob, prob, error WHERE p.id = 2");
        assertEquals(List.of("Yes", "No"), scores);
    }

    @Test
    void jsonSchemaOptionGivesJsonThatGetJsonObjectReads() throws Exception {
        String schema = "{\"type\": \"object\", \"properties\": {\"mood\": {\"enum\": [\"happy\", \"sad\"]},"
                + " \"age\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 99}}, \"required\": [\"mood\", \"age\"]}";
        List<String> rows = query(
                "SELECT p.id, get_json_object(g.text, '$.mood'), get_json_object(g.text, '$.age'), g.finish_reason"
                        + " FROM prompts p LATERAL VIEW llm_generate(p.prompt, '" + MODEL.toUri()
                        + "', map('json_schema', '" + schema
                        + "', 'temperature', '1.0', 'n', '3', 'max_new_tokens', '100')) g AS sample_id, text, tokens, finish_reason, error");
        assertFalse(rows.isEmpty());
        for (String r : rows) {
            String[] f = r.split("\t", -1);
            assertTrue(f[1].equals("happy") || f[1].equals("sad"), r);
            int age = Integer.parseInt(f[2]);
            assertTrue(age >= 1 && age <= 99, r);
            assertEquals("eos", f[3], r);
        }
        EmbeddedHive.StatementException e = assertThrows(
                EmbeddedHive.StatementException.class,
                () -> query("SELECT g.text FROM"
                        + " prompts p LATERAL VIEW llm_generate(p.prompt, '" + MODEL.toUri()
                        + "', map('json_schema', '{\"type\": \"strin\"}')) g"
                        + " AS sample_id, text, tokens, finish_reason, error"));
        assertTrue(e.getMessage().contains("option 'json_schema' at $.type: unknown type"), e.getMessage());
    }

    @Test
    void llmGenerateWithADraftModelOrLookupGivesPlainGreedyText() throws Exception {
        String base =
                "SELECT p.id, g.text FROM prompts p LATERAL VIEW llm_generate(p.prompt, '" + MODEL.toUri() + "', map(";
        String tail = "'max_new_tokens', '24')) g AS sample_id, text, tokens, finish_reason, error";
        List<String> plain = query(base + tail);
        assertEquals(
                plain,
                query(base + "'draft', '"
                        + MODEL.resolveSibling("tinystories-1m.gguf").toUri() + "', 'draft_max', '4', " + tail));
        assertEquals(plain, query(base + "'lookup', 'true', " + tail));
        EmbeddedHive.StatementException e = assertThrows(
                EmbeddedHive.StatementException.class,
                () -> query(base + "'draft', '" + MODEL.toUri() + "', 'lookup', 'true', " + tail));
        assertTrue(e.getMessage().contains("options 'draft' and 'lookup' are exclusive"), e.getMessage());
    }

    @Test
    void llmScoreMatchesTheScorerThroughAHadoopUriAndOuter() throws Exception {
        List<String> labels = List.of(" mat", " sun", " ball");
        List<String> rows = query("SELECT p.id, s.candidate, s.logprob, s.prob FROM prompts p LATERAL VIEW OUTER"
                + " llm_score(p.prompt, array(' mat', ' sun', ' ball'), '" + schemeModel
                + "') s AS candidate, logprob, prob, error");
        assertEquals(7, rows.size(), rows.toString());
        assertEquals(row(3, null, null, null), rows.get(6));
        int k = 0;
        for (String prompt : List.of(SUN, "Lily")) {
            List<Scorer.Score> scores = LlmScoreUDTFTest.direct(prompt, labels);
            double sum = 0;
            for (int i = 0; i < labels.size(); i++) {
                String[] c = cells(rows.get(k++));
                assertEquals(prompt.equals(SUN) ? "1" : "2", c[0]);
                assertEquals(labels.get(i), c[1]);
                assertEquals(scores.get(i).logprob(), Double.parseDouble(c[2]), 0.0);
                sum += Double.parseDouble(c[3]);
            }
            assertEquals(1.0, sum, 1e-12);
        }
    }

    @Test
    void chainedLateralViewsScoreEveryPrompt() throws Exception {
        List<String> rows = query(
                "SELECT r.id, p.template_id, s.candidate, s.logprob FROM reviews r"
                        + " LATERAL VIEW explode_prompts(array('{body} The review is', 'Title: {title}. It is'),"
                        + "   map('body', r.body, 'title', r.title)) p AS template_id, prompt, error"
                        + " LATERAL VIEW llm_score(p.prompt, array(' good', ' bad'), 'stories260K.gguf') s AS candidate, logprob, prob, error");
        List<String> expected = new ArrayList<>();
        String[][] reviews = {
            {"1", "Good pan", "Heats evenly and cleans up fast."},
            {"2", "Bad lid", "The lid does not fit."},
            {"3", null, "No title here."}
        };
        for (String[] r : reviews) {
            List<String> prompts =
                    Arrays.asList(r[2] + " The review is", r[1] == null ? null : "Title: " + r[1] + ". It is");
            for (int t = 0; t < 2; t++) {
                if (prompts.get(t) == null) {
                    continue; // explode_prompts gives a NULL prompt; llm_score gives no row for it
                }
                List<Scorer.Score> s = LlmScoreUDTFTest.direct(prompts.get(t), List.of(" good", " bad"));
                expected.add(row(r[0], t, " good", s.get(0).logprob()));
                expected.add(row(r[0], t, " bad", s.get(1).logprob()));
            }
        }
        assertEquals(expected, rows);
    }

    @Test
    void ensemblePredictEqualsTheModelCalledDirectly() throws Exception {
        List<String> want = new ArrayList<>();
        for (int i = 0; i < ensemble.table().size(); i++) {
            Prediction p = ensemble.model()
                    .predict(ensemble.table().ids().get(i), ensemble.table().rows()[i]);
            want.add(row(p.id(), p.label(), p.probability(), p.label(), p.probability()));
        }
        want.add(row("rnull", null, null, null, null));
        // numeric columns through a file: URI; a map of named features through the ADD FILE name
        List<String> got = query("SELECT id, p.label, p.probability, q.label, q.probability FROM (SELECT id,"
                + " ensemble_predict('" + ensemble.file().toUri() + "', f1, f2, f3) AS p,"
                + " ensemble_predict('" + ensemble.file().getFileName() + "', map('f3', f3, 'f1', f1, 'f2', f2)) AS q"
                + " FROM judged) t");
        assertEquals(want, got);
        assertEquals(
                2,
                got.stream()
                        .map(r -> cells(r)[1])
                        .filter(l -> !l.equals("NULL"))
                        .distinct()
                        .count(),
                got.toString());

        // in a local MapReduce task: the plan carries the function, the task finds the model among the job's files
        hive.execute("CREATE TABLE judged_out STORED AS ORC AS SELECT id," + " ensemble_predict('"
                + ensemble.file().getFileName() + "', array(f1, f2, f3)) AS p FROM judged");
        List<String> fromJob = query("SELECT id, p.label, p.probability, p.label, p.probability FROM judged_out");
        fromJob.sort(null);
        want.sort(null);
        assertEquals(want, fromJob);
    }

    @Test
    void ensemblePredictWithTooFewFeaturesFailsAtCompileTime() {
        EmbeddedHive.StatementException e = assertThrows(
                EmbeddedHive.StatementException.class,
                () -> query("SELECT ensemble_predict('" + ensemble.file().toUri() + "', f1, f2) FROM judged"));
        assertTrue(e.getMessage().contains("takes 3 features (f1, f2, f3), got 2 feature arguments"), e.getMessage());
    }

    @Test
    void insertSelectRunsTheFunctionsInALocalMapReduceJob() throws Exception {
        hive.execute("CREATE TABLE gen (id INT, template_id INT, sample_id INT, text STRING, tokens INT, finish STRING)"
                + " STORED AS ORC");
        hive.execute(
                "INSERT OVERWRITE TABLE gen SELECT r.id, p.template_id, g.sample_id, g.text, g.tokens, g.finish_reason"
                        + " FROM reviews r"
                        + " LATERAL VIEW explode_prompts(array('{title} was', 'I think {body}'), named_struct('title', r.title,"
                        + "   'body', r.body)) p AS template_id, prompt, error"
                        + " LATERAL VIEW llm_generate(p.prompt, 'stories260K.gguf', map('n', '2', 'temperature', '0.8', 'seed', '3',"
                        + "   'max_new_tokens', '12')) g AS sample_id, text, tokens, finish_reason, error");
        assertTrue(hive.conf().get("mapreduce.framework.name").equals("local"));
        List<String> expected = new ArrayList<>();
        String[][] reviews = {
            {"1", "Good pan", "Heats evenly and cleans up fast."},
            {"2", "Bad lid", "The lid does not fit."},
            {"3", null, "No title here."}
        };
        for (String[] r : reviews) {
            List<String> prompts = Arrays.asList(r[1] == null ? null : r[1] + " was", "I think " + r[2]);
            for (int t = 0; t < 2; t++) {
                if (prompts.get(t) == null) {
                    continue;
                }
                for (List<Object> g : LlmGenerateUDTFTest.engine(prompts.get(t), 2, 0.8f, 12, 3)) {
                    expected.add(row(r[0], t, g.get(0), g.get(1), g.get(2), g.get(3)));
                }
            }
        }
        List<String> rows = query("SELECT * FROM gen"); // a fetch task; sorting here spares a reduce job
        rows.sort(null);
        expected.sort(null);
        assertEquals(expected, rows);

        hive.execute(
                "CREATE TABLE scored (id INT, chunk_id INT, candidate STRING, logprob DOUBLE, prob DOUBLE) STORED AS ORC");
        hive.execute("INSERT OVERWRITE TABLE scored SELECT d.id, c.chunk_id, s.candidate, s.logprob, s.prob FROM docs d"
                + " LATERAL VIEW explode_chunks(d.body, 'stories260K.gguf', 24, 0) c AS chunk_id, chunk, token_start, token_end"
                + " LATERAL VIEW llm_score(c.chunk, array(' happy', ' sad'), '" + schemeModel
                + "') s AS candidate, logprob, prob, error");
        Tokenizer tok = Tokenizer.fromGguf(GgufFile.open(MODEL));
        List<String> want = new ArrayList<>();
        for (Object[] doc : new Object[][] {{1, ExplodeChunksUDTFTest.TEXT}, {3, "A short one."}}) {
            for (List<Object> c : ExplodeChunksUDTFTest.expected(tok, (String) doc[1], 24, 0)) {
                List<Scorer.Score> s = LlmScoreUDTFTest.direct((String) c.get(1), List.of(" happy", " sad"));
                double[] p = Scorer.probabilities(s);
                want.add(row(doc[0], c.get(0), " happy", s.get(0).logprob(), p[0]));
                want.add(row(doc[0], c.get(0), " sad", s.get(1).logprob(), p[1]));
            }
        }
        List<String> got = query("SELECT * FROM scored");
        got.sort(null);
        want.sort(null);
        assertEquals(want, got);
    }
}
