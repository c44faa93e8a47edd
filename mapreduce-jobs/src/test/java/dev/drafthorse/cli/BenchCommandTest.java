package dev.drafthorse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code bench}'s result line: prefill, decode from an empty cache (llama-bench's tg) and decode after the prompt. */
class BenchCommandTest {
    /** bench on stories260K with P prompt and G generated tokens, one measured run, then the extra arguments. */
    private static Cli bench(int p, int g, String... extra) {
        String[] common = {
            "bench",
            "-m",
            SharedFiles.model("stories260K.gguf").toString(),
            "--prompt-tokens",
            Integer.toString(p),
            "--gen-tokens",
            Integer.toString(g),
            "--reps",
            "1"
        };
        String[] all = java.util.Arrays.copyOf(common, common.length + extra.length);
        System.arraycopy(extra, 0, all, common.length, extra.length);
        return Cli.run(all);
    }

    @Test
    void printsPrefillAndBothDecodeFigures() {
        Cli r = bench(8, 5);
        assertEquals(0, r.exit, r.toString());
        for (String figure : new String[] {"prefill(8)", "decode(5)", "decode_after_prompt(5)"}) {
            Matcher m = Pattern.compile(" " + Pattern.quote(figure) + "=([0-9.]+) tok/s")
                    .matcher(r.out);
            assertTrue(m.find(), figure + " in " + r.out);
            assertTrue(Double.parseDouble(m.group(1)) > 0, figure + " in " + r.out);
        }
    }

    /** With a grammar: plain and constrained decoding measured in the same runs, after the same warm-up. */
    @Test
    void printsTheGrammarsOverhead() {
        Path grammar = Path.of("../inference-kernels/src/test/resources/grammar/story.gbnf");
        Cli r = bench(8, 12, "--grammar", grammar.toString());
        assertEquals(0, r.exit, r.toString());
        assertTrue(
                r.out.contains("grammar=story.gbnf sampling=greedy plain_decode=")
                        && r.out.contains("constrained_decode="),
                r.out);
    }

    @Test
    void refusesMoreTokensThanTheContext() {
        Cli r = bench(500, 100);
        assertTrue(r.exit != 0 && r.toString().contains("exceed the context length"), r.toString());
    }
}
