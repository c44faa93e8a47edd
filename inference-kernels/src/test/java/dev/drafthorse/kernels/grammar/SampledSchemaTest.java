package dev.drafthorse.kernels.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.batch.BatchEngine;
import dev.drafthorse.kernels.batch.BatchOptions;
import dev.drafthorse.kernels.batch.BatchResult;
import dev.drafthorse.kernels.batch.Request;
import dev.drafthorse.kernels.generate.Generator;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.options.FinishReason;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.speculative.Speculation;
import dev.drafthorse.kernels.tensor.Parallel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * 200 rows sampled at temperature 1.0 through the batch engine under a JSON schema (every sampler setting in turn,
 * and n-gram lookup speculation for a quarter of them): every output parses and validates against the schema by an
 * independent validator (networknt's json-schema-validator), and each row is the same whatever the batch.
 */
class SampledSchemaTest {

    @Test
    void everySampledRowParsesAndValidates() throws Exception {
        String schemaText = GrammarReferenceTest.resource("record.schema.json");
        Grammar g = JsonSchemaGrammar.compile(schemaText, "record.schema.json");
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(schemaText);
        ObjectMapper json = new ObjectMapper();
        SamplerOptions[] samplers = {
            new SamplerOptions(1f, 0, 1f, 0f, 18),
            new SamplerOptions(1f, 40, 1f, 0f, 18),
            new SamplerOptions(1f, 0, 0.9f, 0f, 18),
            new SamplerOptions(1f, 0, 1f, 0.05f, 18),
        };
        try (Parallel par = new Parallel(2)) {
            Model model = Model.load(SharedFiles.model("tinystories-23m-f16.gguf"), par);
            Generator gen = new Generator(model);
            String[] prompts = {"Once upon a time", "Tom had a dog.", "Lily was sad because", "The cat"};
            List<Request> plain = new ArrayList<>();
            List<Request> lookup = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                GenerationOptions o = GenerationOptions.greedy(200).withSampler(samplers[i % samplers.length]);
                o = new GenerationOptions(o.maxNewTokens(), o.sampler(), List.of(), o.kvType(), o.prefillChunk(), 256);
                String id = "row" + i;
                Request r = new Request(
                        id,
                        gen.promptTokens(prompts[i % prompts.length]),
                        o,
                        Rng.forRow(18, id),
                        new GrammarConstraint(g, model.tokenizer()));
                (i % 4 == 3 ? lookup : plain).add(r);
            }
            List<BatchResult> results = new ArrayList<>(new BatchEngine(model, null)
                    .run(
                            plain,
                            new BatchOptions(16, Long.MAX_VALUE, 128, Speculation.NONE),
                            new BatchEngine.Listener() {}));
            results.addAll(new BatchEngine(model, null)
                    .run(
                            lookup,
                            new BatchOptions(16, Long.MAX_VALUE, 128, Speculation.lookup(4, 2)),
                            new BatchEngine.Listener() {}));
            assertEquals(200, results.size());
            for (BatchResult r : results) {
                assertEquals(FinishReason.EOS, r.finish(), r.id() + ": " + r.text());
                JsonNode doc = json.readTree(r.text());
                List<Error> errors = schema.validate(doc);
                assertTrue(errors.isEmpty(), r.id() + ": " + r.text() + " -> " + errors);
            }
            // The same row alone gives the same text (a row's output does not depend on its batch).
            Request again = plain.get(5);
            BatchResult alone = new BatchEngine(model, null)
                    .run(
                            List.of(new Request(
                                    again.id(),
                                    again.prompt(),
                                    again.options(),
                                    Rng.forRow(18, again.id()),
                                    new GrammarConstraint(g, model.tokenizer()))),
                            new BatchOptions(1, Long.MAX_VALUE, 128, Speculation.NONE),
                            new BatchEngine.Listener() {})
                    .get(0);
            assertEquals(results.get(5).text(), alone.text());
        }
    }
}
