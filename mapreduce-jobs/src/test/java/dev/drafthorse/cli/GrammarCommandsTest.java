package dev.drafthorse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.drafthorse.kernels.SharedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --grammar} / {@code --json-schema} in {@code generate} (greedy equals llama.cpp's recorded output) and in
 * {@code batch} (200 rows at temperature 1.0, a schema per row or for the job: every output validates; bad
 * grammars and schemas are refused with their position, per row as rejects).
 */
class GrammarCommandsTest {
    /** The recorded llama.cpp outputs and the schemas, kept with the kernel tests. */
    static final Path REFS = Path.of("../inference-kernels/src/test/resources/grammar");

    @TempDir
    Path dir;

    @Test
    void generateFollowsGrammarsAndSchemasAsLlamaCppDoes() throws IOException {
        String model = SharedFiles.model("tinystories-23m-f16.gguf").toString();
        Cli s = Cli.run(
                "generate",
                "-m",
                model,
                "-p",
                "Once upon a time",
                "-n",
                "80",
                "--json-schema",
                REFS.resolve("person.schema.json").toString());
        assertEquals(0, s.exit, s.toString());
        assertEquals(Files.readString(REFS.resolve("person.llama.txt")).strip(), s.out.strip());
        Cli g = Cli.run(
                "generate",
                "-m",
                model,
                "-p",
                "Once upon a time",
                "-n",
                "80",
                "--grammar",
                REFS.resolve("story.gbnf").toString(),
                "--lookup");
        assertEquals(0, g.exit, g.toString());
        assertEquals(Files.readString(REFS.resolve("story.llama.txt")).strip(), g.out.strip());
    }

    @Test
    void malformedGrammarsAndSchemasAreRefusedWithTheirPosition() throws IOException {
        String model = SharedFiles.model("stories260K.gguf").toString();
        Path bad = dir.resolve("bad.gbnf");
        Files.writeString(bad, "root ::= item\nitem ::= \"a\" (\"b\"\n");
        Cli r = Cli.run("generate", "-m", model, "-p", "x", "--grammar", bad.toString());
        assertEquals(2, r.exit, r.toString());
        assertTrue(r.err.contains(bad + " 3:1: expecting ')'"), r.err);
        Path schema = dir.resolve("bad.json");
        Files.writeString(
                schema, "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\", \"minimum\": \"x\"}}}");
        r = Cli.run("generate", "-m", model, "-p", "x", "--json-schema", schema.toString());
        assertEquals(2, r.exit, r.toString());
        assertTrue(r.err.contains(schema + " at $.properties.a.minimum: minimum must be a number"), r.err);
        r = Cli.run(
                "generate", "-m", model, "-p", "x", "--json-schema", schema.toString(), "--grammar", bad.toString());
        assertEquals(2, r.exit, r.toString());
        assertTrue(r.err.contains("--grammar and --json-schema are exclusive"), r.err);
    }

    @Test
    void batchRowsSampledUnderSchemasAllValidate() throws Exception {
        String schemaText = Files.readString(REFS.resolve("record.schema.json"));
        ObjectMapper json = new ObjectMapper();
        JsonNode schemaNode = json.readTree(schemaText);
        Path in = dir.resolve("rows.jsonl");
        List<String> lines = new ArrayList<>();
        String[] prompts = {"Once upon a time", "Tom had a dog.", "Lily was sad because", "The cat"};
        for (int i = 0; i < 200; i++) {
            ObjectNode row = json.createObjectNode();
            row.put("id", "r" + i);
            row.put("prompt", prompts[i % prompts.length]);
            if (i % 2 == 0) {
                row.set("json_schema", schemaNode); // per row; the odd rows use the job's --json-schema
            }
            lines.add(json.writeValueAsString(row));
        }
        lines.add(
                "{\"id\": \"bad-schema\", \"prompt\": \"x\", \"json_schema\": {\"type\": \"string\", \"pattern\": \"^a$\"}}");
        lines.add("{\"id\": \"bad-grammar\", \"prompt\": \"x\", \"grammar\": \"root ::= [a-\"}");
        Files.write(in, lines, StandardCharsets.UTF_8);
        Path out = dir.resolve("out.jsonl");
        Cli r = Cli.run(
                "batch",
                "-m",
                SharedFiles.model("tinystories-23m-f16.gguf").toString(),
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "-n",
                "200",
                "--temperature",
                "1.0",
                "--seed",
                "7",
                "--json-schema",
                REFS.resolve("record.schema.json").toString());
        assertEquals(0, r.exit, r.toString());
        List<String> outLines = Files.readAllLines(out);
        List<String> rejects = Files.readAllLines(dir.resolve("out.rejects.jsonl"));
        assertEquals(lines.size(), outLines.size() + rejects.size(), "rows in = rows out + rejects");
        assertEquals(200, outLines.size());
        assertTrue(
                rejects.get(0).contains("bad-schema") && rejects.get(0).contains("json_schema at $.pattern"),
                rejects.get(0));
        assertTrue(
                rejects.get(1).contains("bad-grammar")
                        && rejects.get(1).contains("grammar 1:10: unterminated character class"),
                rejects.get(1));
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(schemaText);
        for (String line : outLines) {
            JsonNode o = json.readTree(line);
            assertEquals("eos", o.get("finish_reason").asText(), line);
            List<Error> errors = schema.validate(json.readTree(o.get("text").asText()));
            assertTrue(errors.isEmpty(), line + " -> " + errors);
        }
    }
}
