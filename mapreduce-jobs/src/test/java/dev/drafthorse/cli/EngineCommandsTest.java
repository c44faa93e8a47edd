package dev.drafthorse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drafthorse.kernels.SharedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The engine commands' contract: outputs on stdout, reference texts, exit codes and error messages. */
class EngineCommandsTest {
    @TempDir
    Path dir;

    private static String stories() {
        return SharedFiles.model("stories260K.gguf").toString();
    }

    @Test
    void generateWithTheLargestTokenCountDoesNotWrapTheContextWindow() {
        // issue 15: -n 2147483647 reported a context window of -2147483644 (prompt + n wrapped in int).
        Cli r = Cli.run(
                "generate",
                "-m",
                SharedFiles.model("stories260K.gguf").toString(),
                "-p",
                "Once upon a time",
                "-n",
                "2147483647",
                "--stop",
                ".");
        assertEquals(0, r.exit, r.toString());
        assertFalse(r.err.contains("-2147"), r.err);
        assertTrue(r.err.contains("(stop)") || r.err.contains("(eos)"), r.err);
    }

    @Test
    void generateFromBosPrintsTheReferenceText() throws IOException {
        Cli r = Cli.run("generate", "-m", stories(), "-p", "", "-n", "200");
        assertEquals(0, r.exit, r.toString());
        assertEquals(
                Files.readString(SharedFiles.model("stories260K.greedy.bos.200.txt"))
                        .strip(),
                r.out.strip());
        assertTrue(r.err.contains("prompt tokens"), "stats go to stderr: " + r.err);
    }

    @Test
    void generateJsonCarriesTextTokensAndStats() throws IOException {
        Cli r = Cli.run(
                "generate",
                "-m",
                "file://" + SharedFiles.model("stories260K.gguf"),
                "-p",
                "The sun was hot and the cat",
                "-n",
                "120",
                "--json",
                "--threads",
                "1");
        assertEquals(0, r.exit, r.toString());
        JsonNode n = new ObjectMapper().readTree(r.out);
        assertEquals(
                Files.readString(SharedFiles.model("stories260K.greedy.sun.120.txt"))
                        .strip(),
                n.get("text").asText().strip());
        assertEquals(120, n.get("tokens").size());
        JsonNode s = n.get("stats");
        assertEquals(11, s.get("prompt_tokens").asInt());
        assertEquals(120, s.get("generated_tokens").asInt());
        assertTrue(
                s.get("prefill_tok_s").asDouble() > 0 && s.get("decode_tok_s").asDouble() > 0);
    }

    @Test
    void sampledGenerationIsSeededAndThreadIndependent() {
        Cli a = Cli.run(
                "generate",
                "-m",
                stories(),
                "-p",
                "Tom had",
                "-n",
                "40",
                "--temperature",
                "0.9",
                "--top-p",
                "0.95",
                "--top-k",
                "40",
                "--seed",
                "7",
                "--threads",
                "1",
                "--json");
        Cli b = Cli.run(
                "generate",
                "-m",
                stories(),
                "-p",
                "Tom had",
                "-n",
                "40",
                "--temperature",
                "0.9",
                "--top-p",
                "0.95",
                "--top-k",
                "40",
                "--seed",
                "7",
                "--threads",
                "3",
                "--json");
        Cli c = Cli.run(
                "generate",
                "-m",
                stories(),
                "-p",
                "Tom had",
                "-n",
                "40",
                "--temperature",
                "0.9",
                "--top-p",
                "0.95",
                "--top-k",
                "40",
                "--seed",
                "8",
                "--threads",
                "1",
                "--json");
        assertEquals(0, a.exit, a.toString());
        assertEquals(tokens(a), tokens(b));
        assertTrue(!tokens(a).equals(tokens(c)), "another seed should sample another text");
    }

    private static String tokens(Cli r) {
        try {
            return new ObjectMapper().readTree(r.out).get("tokens").toString();
        } catch (IOException e) {
            throw new AssertionError(r.toString(), e);
        }
    }

    @Test
    void scorePrintsOneLinePerCandidate() {
        Cli r = Cli.run("score", "-m", stories(), "-p", "Once upon a", "--candidates", " time, banana, dog");
        assertEquals(0, r.exit, r.toString());
        String[] lines = r.out.stripTrailing().split("\n");
        assertEquals(3, lines.length, r.out);
        double time = Double.parseDouble(lines[0].split("\t")[1]);
        double banana = Double.parseDouble(lines[1].split("\t")[1]);
        assertTrue(lines[0].startsWith(" time\t") && lines[1].startsWith(" banana\t"), r.out);
        assertTrue(time < 0 && time > banana, "a story opening beats banana: " + r.out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "gpt-2", "deepseek-coder", "falcon", "starcoder"})
    void tokenizeMatchesLlamaCppVectors(String vocab) throws IOException {
        Path gguf = SharedFiles.vocab("ggml-vocab-" + vocab + ".gguf");
        String raw = Files.readString(Path.of(gguf + ".inp"), StandardCharsets.UTF_8);
        List<String> outs = new ArrayList<>(
                Arrays.asList(Files.readString(Path.of(gguf + ".out")).split("\n", -1)));
        outs.remove(outs.size() - 1);
        List<String> inputs = Arrays.asList(raw.split("\n__ggml_vocab_test__\n", -1));
        for (int i = 0; i < outs.size(); i++) {
            Path in = dir.resolve(vocab + "-" + i + ".txt");
            Files.writeString(in, inputs.get(i), StandardCharsets.UTF_8);
            Cli r = Cli.run("tokenize", "-m", gguf.toString(), "--file", in.toString());
            assertEquals(0, r.exit, r.toString());
            assertEquals(outs.get(i).strip(), r.out.strip(), vocab + " case " + i);
        }
    }

    @Test
    void inspectDescribesTheModel() {
        Cli r = Cli.run("inspect", stories());
        assertEquals(0, r.exit, r.toString());
        assertTrue(r.out.contains("architecture: llama"), r.out);
        assertTrue(r.out.contains("dim 64, layers 5, heads 8, kv heads 4"), r.out);
        assertTrue(r.out.contains("tokenizer: llama"), r.out);
    }

    @Test
    void badArgumentsExitTwoWithUsageOnStderr() {
        for (String[] args : new String[][] {
            {"generate", "-m", stories(), "-p", "x", "--bogus"},
            {"generate", "-m", stories(), "-p", "x", "--temperature", "-1"},
            {"generate", "-m", stories(), "-p", "x", "--top-p", "1.5"},
            {"generate", "-m", stories(), "-p", "x", "-n", "ten"},
            {"generate", "-m", stories()},
            {"score", "-m", stories(), "-p", "x"},
            {"nonsense"},
            {},
        }) {
            Cli r = Cli.run(args);
            assertEquals(2, r.exit, String.join(" ", args) + " -> " + r);
            assertTrue(r.out.isEmpty(), "nothing on stdout: " + r);
            assertTrue(!r.err.isEmpty(), r.toString());
        }
        Cli t = Cli.run("generate", "-m", stories(), "-p", "x", "--temperature", "-1");
        assertTrue(t.err.contains("temperature"), t.err);
        Cli p = Cli.run("generate", "-m", stories(), "-p", "x", "--top-p", "1.5");
        assertTrue(p.err.contains("top-p"), p.err);
    }

    @Test
    void helpOnEveryCommand() {
        for (String c : Main.commands().keySet()) {
            Cli r = Cli.run(c, "--help");
            assertEquals(0, r.exit, c + ": " + r);
            assertTrue(r.out.contains("usage: drafthorse " + c), c + ": " + r.out);
        }
    }

    @Test
    void badModelFilesExitNonZeroNamingFileAndField() throws IOException {
        Path bad = dir.resolve("bad.gguf");
        Files.write(bad, "NOPE this is not a model".getBytes(StandardCharsets.UTF_8));
        Cli r = Cli.run("generate", "-m", bad.toString(), "-p", "x");
        assertEquals(1, r.exit, r.toString());
        assertTrue(r.err.contains(bad.toString()) && r.err.contains("magic"), r.err);

        Path truncated = dir.resolve("truncated.gguf");
        byte[] full = Files.readAllBytes(SharedFiles.model("stories260K.gguf"));
        Files.write(truncated, Arrays.copyOf(full, full.length / 2));
        r = Cli.run("generate", "-m", truncated.toString(), "-p", "x");
        assertEquals(1, r.exit, r.toString());
        assertTrue(r.err.contains(truncated.toString()) && r.err.contains("beyond the end of the file"), r.err);

        r = Cli.run("generate", "-m", dir.resolve("missing.gguf").toString(), "-p", "x");
        assertEquals(1, r.exit, r.toString());
        assertTrue(r.err.contains("missing.gguf"), r.err);

        // A vocabulary-only file tokenizes but does not run.
        r = Cli.run("generate", "-m", SharedFiles.vocab("ggml-vocab-gpt-2.gguf").toString(), "-p", "x");
        assertEquals(1, r.exit, r.toString());
        assertTrue(r.err.contains("gpt2") && r.err.contains("general.architecture"), r.err);
    }
}
