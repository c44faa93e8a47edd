package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.drafthorse.cli.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code infer} with a JSON schema, on the local runner: 200 rows sampled at temperature 1.0 (half JSON lines
 * carrying their own {@code json_schema}, half text rows under {@code drafthorse.infer.json-schema}) all validate
 * against the schema (networknt's validator); a row with a malformed schema is rejected with its JSON path;
 * rows in = rows out + rejects. A malformed job schema fails the submission naming the key.
 */
class InferGrammarTest {
    static final Path SCHEMA = Path.of("../inference-kernels/src/test/resources/grammar/record.schema.json");

    @TempDir
    Path dir;

    @Test
    void everyRowValidatesAgainstTheSchema() throws Exception {
        String schemaText = Files.readString(SCHEMA);
        ObjectMapper json = new ObjectMapper();
        String compact = json.writeValueAsString(json.readTree(schemaText));
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        List<String> jsonl = new ArrayList<>();
        List<String> tsv = new ArrayList<>();
        String[] prompts = {"Once upon a time", "Tom had a dog.", "Lily was sad because", "The cat"};
        for (int i = 0; i < 100; i++) {
            jsonl.add("{\"id\": \"j" + i + "\", \"prompt\": \"" + prompts[i % 4] + "\", \"json_schema\": " + compact
                    + "}");
            tsv.add("t" + i + "\t" + prompts[(i + 1) % 4]);
        }
        jsonl.add(
                "{\"id\": \"bad\", \"prompt\": \"x\", \"json_schema\": {\"type\": \"object\", \"properties\": {\"a\": {\"enum\": []}}}}");
        Files.write(in.resolve("rows.jsonl"), jsonl, StandardCharsets.UTF_8);
        Files.write(in.resolve("rows.txt"), tsv, StandardCharsets.UTF_8);
        Path out = dir.resolve("out");
        String model =
                Reference.model().resolveSibling("tinystories-23m-f16.gguf").toString();
        Cli r = Cli.run(
                "infer",
                "-D",
                "drafthorse.infer.json-schema=" + compact,
                "-D",
                "drafthorse.infer.temperature=1.0",
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "-m",
                model,
                "-n",
                "200",
                "--batch",
                "16");
        assertEquals(0, r.exit(), r.toString());
        List<String> rows = OutputReader.lines(out);
        List<String> rejects = OutputReader.rejectLines(out);
        assertEquals(jsonl.size() + tsv.size(), rows.size() + rejects.size(), "rows in = rows out + rejects");
        assertEquals(200, rows.size());
        assertEquals(1, rejects.size());
        assertTrue(
                rejects.get(0).contains("json_schema at $.properties.a.enum: enum must be a non-empty array"),
                rejects.get(0));
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(schemaText);
        for (String line : rows) {
            JsonNode o = json.readTree(line);
            assertEquals("eos", o.get("finish_reason").asText(), line);
            List<Error> errors = schema.validate(json.readTree(o.get("text").asText()));
            assertTrue(errors.isEmpty(), line + " -> " + errors);
        }
        Cli bad = Cli.run(
                "infer",
                "-D",
                "drafthorse.infer.json-schema={\"type\": \"objekt\"}",
                "--input",
                in.toString(),
                "--output",
                dir.resolve("out2").toString(),
                "-m",
                model);
        assertEquals(2, bad.exit(), bad.toString());
        assertTrue(bad.err().contains("drafthorse.infer.json-schema at $.type: unknown type \"objekt\""), bad.err());
    }
}
