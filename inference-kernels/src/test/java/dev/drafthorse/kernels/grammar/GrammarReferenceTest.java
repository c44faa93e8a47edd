package dev.drafthorse.kernels.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.generate.GenerationResult;
import dev.drafthorse.kernels.generate.Generator;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.options.FinishReason;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.speculative.Speculation;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Grammar- and schema-constrained greedy generation on tinystories-23m equals llama.cpp's (the texts and the
 * end-of-text flags recorded by {@code src/test/resources/grammar/make-references.sh}), compared ignoring leading
 * and trailing white space as the other reference tests do; and greedy n-gram-lookup speculation under the same
 * grammar gives the same text.
 */
class GrammarReferenceTest {
    private static Parallel par;
    private static Model model;

    @BeforeAll
    static void load() throws IOException {
        par = new Parallel(2);
        model = Model.load(SharedFiles.model("tinystories-23m-f16.gguf"), par);
    }

    @AfterAll
    static void close() {
        par.close();
    }

    static String resource(String name) throws IOException {
        try (InputStream in = GrammarReferenceTest.class.getResourceAsStream("/grammar/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource grammar/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static Grammar grammarOf(String name) throws IOException {
        if (name.endsWith(".gbnf")) {
            return Grammar.parse(resource(name), name);
        }
        return JsonSchemaGrammar.compile(resource(name), name);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "story.gbnf",
                "list.gbnf",
                "sentence.gbnf",
                "sum.gbnf",
                "person.schema.json",
                "mood.schema.json",
                "toys.schema.json",
                "extra.schema.json"
            })
    void greedyEqualsLlamaCpp(String file) throws IOException {
        String base = file.replaceAll("\\.(gbnf|schema\\.json)$", "");
        String expected = resource(base + ".llama.txt").strip();
        boolean eos = Boolean.parseBoolean(resource(base + ".llama.eos").strip());
        Grammar g = grammarOf(file);
        for (Speculation spec : new Speculation[] {Speculation.NONE, Speculation.lookup(4, 2)}) {
            Generator gen = new Generator(model, null, spec);
            GenerationResult r = gen.generate(
                    gen.promptTokens("Once upon a time"),
                    GenerationOptions.greedy(80),
                    new Rng(0),
                    t -> {},
                    new GrammarConstraint(g, model.tokenizer()));
            assertEquals(expected, r.text().strip(), file + " (" + spec + ")");
            assertEquals(eos, r.finish() == FinishReason.EOS, file + ": ended with end-of-text (" + spec + ")");
            assertEquals(true, GrammarMatcher.matches(g, r.text()) || !eos, file + ": the text matches the grammar");
        }
    }
}
