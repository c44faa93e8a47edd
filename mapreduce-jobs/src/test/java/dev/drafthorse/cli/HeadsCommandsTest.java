package dev.drafthorse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drafthorse.kernels.SharedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code random-heads}, and {@code generate}/{@code batch}/{@code bench} with {@code --medusa} and {@code --mtp}:
 * greedy output equals plain generation, the stats are there, and heads for another model are refused.
 */
class HeadsCommandsTest {
    @TempDir
    static Path dir;

    static String stories;
    static Path medusa;
    static Path mtp;

    @BeforeAll
    static void heads() {
        stories = SharedFiles.model("stories260K.gguf").toString();
        medusa = dir.resolve("medusa.gguf");
        mtp = dir.resolve("mtp.gguf");
        Cli a = Cli.run(
                "random-heads",
                "-m",
                stories,
                "--kind",
                "medusa",
                "--heads",
                "3",
                "--type",
                "f16",
                "-o",
                medusa.toString());
        Cli b = Cli.run("random-heads", "-m", stories, "--kind", "mtp", "--heads", "2", "-o", mtp.toString());
        assertEquals(0, a.exit, a.toString());
        assertEquals(0, b.exit, b.toString());
    }

    private static JsonNode json(Cli r) throws IOException {
        assertEquals(0, r.exit, r.toString());
        return new ObjectMapper().readTree(r.out);
    }

    @Test
    void generateWithHeadsEqualsPlainGreedyAndReportsTheStats() throws IOException {
        JsonNode plain =
                json(Cli.run("generate", "-m", stories, "-p", "The sun was hot and the cat", "-n", "50", "--json"));
        for (String[] extra : new String[][] {
            {"--medusa", medusa.toString()},
            {"--medusa", medusa.toString(), "--tree", "3,2,1"},
            {"--mtp", mtp.toString()},
            {"--mtp", mtp.toString(), "--draft-max", "1"}
        }) {
            String[] args = {"generate", "-m", stories, "-p", "The sun was hot and the cat", "-n", "50", "--json"};
            String[] all = java.util.Arrays.copyOf(args, args.length + extra.length);
            System.arraycopy(extra, 0, all, args.length, extra.length);
            JsonNode n = json(Cli.run(all));
            String what = String.join(" ", extra);
            assertEquals(plain.get("tokens"), n.get("tokens"), what);
            JsonNode s = n.get("stats");
            assertTrue(s.get("draft_proposed").asInt() > 0, what);
            int passes = s.get("target_passes").asInt();
            assertTrue(passes > 0 && passes < 50, what);
            assertEquals(
                    (s.get("draft_accepted").asInt() + passes) / (double) passes,
                    s.get("mean_accepted_length").asDouble(),
                    1e-3,
                    what);
        }
    }

    @Test
    void sampledMedusaSaysTypicalAcceptanceIsNotDistributionPreserving() {
        Cli r = Cli.run(
                "generate",
                "-m",
                stories,
                "-p",
                "Tom had",
                "-n",
                "20",
                "--temperature",
                "0.8",
                "--medusa",
                medusa.toString(),
                "--typical",
                "0.1,0.3");
        assertEquals(0, r.exit, r.toString());
        assertTrue(r.err.contains("not distribution-preserving"), r.err);
    }

    @Test
    void badHeadsOptionsAndForeignHeadsAreRefusedByName() {
        Cli r = Cli.run(
                "generate",
                "-m",
                SharedFiles.model("tinystories-1m.gguf").toString(),
                "-p",
                "x",
                "--mtp",
                mtp.toString());
        assertEquals(1, r.exit, r.toString());
        assertTrue(r.err.contains(mtp.toString()) && r.err.contains("drafthorse.base.embedding_length"), r.err);
        r = Cli.run("generate", "-m", stories, "-p", "x", "--medusa", mtp.toString());
        assertEquals(1, r.exit, r.toString());
        assertTrue(r.err.contains("general.architecture"), r.err);
        r = Cli.run("generate", "-m", stories, "-p", "x", "--medusa", medusa.toString(), "--tree", "mc_sim_7b_63");
        assertEquals(2, r.exit, r.toString());
        assertTrue(r.err.contains("needs 4 heads") && r.err.contains("has 3"), r.err);
        r = Cli.run("generate", "-m", stories, "-p", "x", "--mtp", mtp.toString(), "--draft-max", "3");
        assertEquals(2, r.exit, r.toString());
        assertTrue(r.err.contains("--draft-max"), r.err);
        r = Cli.run("generate", "-m", stories, "-p", "x", "--medusa", medusa.toString(), "--lookup");
        assertEquals(2, r.exit, r.toString());
        r = Cli.run("generate", "-m", stories, "-p", "x", "--medusa", medusa.toString(), "--typical", "2,0.3");
        assertEquals(2, r.exit, r.toString());
        assertTrue(r.err.contains("--typical") && r.err.contains("epsilon"), r.err);
        r = Cli.run(
                "random-heads",
                "-m",
                stories,
                "--kind",
                "eagle",
                "-o",
                dir.resolve("x.gguf").toString());
        assertEquals(2, r.exit, r.toString());
        assertTrue(r.err.contains("--kind"), r.err);
    }

    @Test
    void batchWithHeadsWritesThePlainTokens() throws IOException {
        Path in = dir.resolve("in.jsonl");
        Files.write(
                in,
                List.of(
                        "{\"id\": \"a\", \"prompt\": \"Once upon a time\", \"max_new_tokens\": 30}",
                        "{\"id\": \"b\", \"prompt\": \"Lily and Ben\", \"max_new_tokens\": 25}",
                        "{\"id\": \"c\", \"prompt\": \"A dog\", \"max_new_tokens\": 20}"),
                StandardCharsets.UTF_8);
        ObjectMapper m = new ObjectMapper();
        Path plainOut = dir.resolve("plain.jsonl");
        assertEquals(
                0, Cli.run("batch", "-m", stories, "--input", in.toString(), "--output", plainOut.toString()).exit);
        for (String[] heads :
                new String[][] {{"--medusa", medusa.toString(), "--tree", "2,2,1"}, {"--mtp", mtp.toString()}}) {
            Path out = dir.resolve("heads.jsonl");
            Cli r = Cli.run(
                    "batch",
                    "-m",
                    stories,
                    "--input",
                    in.toString(),
                    "--output",
                    out.toString(),
                    "--batch",
                    "3",
                    heads[0],
                    heads[1],
                    heads.length > 2 ? heads[2] : "--threads",
                    heads.length > 2 ? heads[3] : "2");
            assertEquals(0, r.exit, r.toString());
            List<String> want = Files.readAllLines(plainOut);
            List<String> got = Files.readAllLines(out);
            assertEquals(want.size(), got.size());
            for (int i = 0; i < want.size(); i++) {
                assertEquals(
                        m.readTree(want.get(i)).get("tokens"),
                        m.readTree(got.get(i)).get("tokens"),
                        heads[0] + " row " + i);
                assertTrue(m.readTree(got.get(i))
                                .get("stats")
                                .get("draft_proposed")
                                .asInt()
                        > 0);
            }
        }
    }

    @Test
    void benchPrintsPlainAndHeadsSideBySide() {
        Cli r = Cli.run(
                "bench",
                "-m",
                stories,
                "--prompt-tokens",
                "8",
                "--gen-tokens",
                "12",
                "--reps",
                "1",
                "--medusa",
                medusa.toString(),
                "--tree",
                "2,1");
        assertEquals(0, r.exit, r.toString());
        assertTrue(
                r.out.contains("speculation=medusa(medusa.gguf, tree 2,1 of 4 nodes)")
                        && r.out.contains("identical_outputs=true")
                        && r.out.contains("mean_accepted_length=")
                        && r.out.contains("target_passes=")
                        && r.out.contains("step_cost="),
                r.out);
    }

    /** Given only the heads file, bench uses the defaults chosen for the CPU: the chain 1 and one MTP module. */
    @Test
    void benchWithOnlyTheHeadsFileUsesTheCpuDefaults() {
        String[] common = {"bench", "-m", stories, "--prompt-tokens", "8", "--gen-tokens", "12", "--reps", "1"};
        Cli r = Cli.run(concat(common, "--medusa", medusa.toString()));
        assertEquals(0, r.exit, r.toString());
        assertTrue(
                r.out.contains("speculation=medusa(medusa.gguf, tree 1 of 1 nodes) draft_max=1")
                        && r.out.contains("identical_outputs=true"),
                r.out);
        r = Cli.run(concat(common, "--mtp", mtp.toString()));
        assertEquals(0, r.exit, r.toString());
        assertTrue(
                r.out.contains("speculation=mtp(mtp.gguf) draft_max=1 fixed")
                        && r.out.contains("identical_outputs=true"),
                r.out);
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
