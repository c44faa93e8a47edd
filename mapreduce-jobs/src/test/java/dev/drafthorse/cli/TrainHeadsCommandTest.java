package dev.drafthorse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.heads.HeadsFile;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.tensor.Parallel;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train-heads} end to end on stories260K: heads file, CSV, PNG, summary, and bad arguments by name. */
class TrainHeadsCommandTest {
    @TempDir
    Path dir;

    private Path prompts() throws Exception {
        Path p = dir.resolve("prompts.txt");
        Files.writeString(p, "\nOnce upon a time\nTom had a\n");
        return p;
    }

    @Test
    void medusaInF16WritesHeadsTheDecoderLoadsAndTheLossCurve() throws Exception {
        Path out = dir.resolve("heads.gguf");
        Cli r = Cli.run(
                "train-heads",
                "-m",
                SharedFiles.model("stories260K.gguf").toString(),
                "--kind",
                "medusa",
                "--heads",
                "2",
                "--prompts",
                prompts().toString(),
                "--steps",
                "6",
                "--precision",
                "f16",
                "--samples",
                "2",
                "--tokens",
                "24",
                "--batch",
                "3",
                "--eval-prompts",
                prompts().toString(),
                "-o",
                out.toString(),
                "--threads",
                "1");
        assertEquals(0, r.exit, r.toString());
        assertTrue(r.err.contains("step 6/6"), r.err);
        JsonNode s = new ObjectMapper().readTree(r.out);
        assertEquals(6, s.get("steps").asInt());
        assertEquals(6, s.get("sequences").asInt());
        assertTrue(s.get("mean_accepted_chain").asDouble() >= 1.0);

        try (Parallel par = new Parallel(1)) {
            Model m = Model.load(SharedFiles.model("stories260K.gguf"), par);
            var heads = HeadsFile.loadMedusa(out, m);
            assertEquals(2, heads.count());
            assertEquals("f16", heads.header().precision());
        }
        GgufFile f = GgufFile.open(out);
        assertEquals(GgmlType.F16, f.tensor("medusa.1.weight").type());
        assertEquals(GgmlType.F32, f.tensor("medusa.1.bias").type());

        List<String> csv = Files.readAllLines(dir.resolve("heads.csv"));
        assertEquals("step,loss,head0_loss,head1_loss,lr,loss_scale,skipped,flushed_fraction", csv.get(0));
        assertEquals(7, csv.size());
        assertEquals("65536.0", csv.get(1).split(",")[5]);
        BufferedImage png = ImageIO.read(dir.resolve("heads.png").toFile());
        assertEquals(900, png.getWidth());

        // Re-plotting runs side by side needs no model.
        Path both = dir.resolve("both.png");
        r = Cli.run(
                "train-heads",
                "--replot",
                dir.resolve("heads.csv") + "," + dir.resolve("heads.csv"),
                "--png",
                both.toString());
        assertEquals(0, r.exit, r.toString());
        assertEquals(540, ImageIO.read(both.toFile()).getHeight());
    }

    @Test
    void mtpInBf16() throws Exception {
        Path out = dir.resolve("mtp.gguf");
        Cli r = Cli.run(
                "train-heads",
                "-m",
                SharedFiles.model("stories260K.gguf").toString(),
                "--kind",
                "mtp",
                "--heads",
                "1",
                "--prompts",
                prompts().toString(),
                "--steps",
                "2",
                "--precision",
                "bf16",
                "--samples",
                "1",
                "--tokens",
                "16",
                "--batch",
                "2",
                "-o",
                out.toString(),
                "--threads",
                "1");
        assertEquals(0, r.exit, r.toString());
        GgufFile f = GgufFile.open(out);
        assertEquals("drafthorse.mtp", f.getString("general.architecture"));
        assertEquals(GgmlType.BF16, f.tensor("mtp.0.attn_q.weight").type());
    }

    /**
     * The MapReduce job (three map tasks, one prompt each, then the one reduce task) writes the same heads file and
     * loss CSV, byte for byte, as generating and training in this process with the same seed and options.
     */
    @Test
    void jobEqualsInProcessTraining() throws Exception {
        String m = SharedFiles.model("stories260K.gguf").toString();
        String[] common = {
            "-m",
            m,
            "--kind",
            "medusa",
            "--heads",
            "2",
            "--prompts",
            prompts().toString(),
            "--steps",
            "5",
            "--precision",
            "f16",
            "--samples",
            "2",
            "--tokens",
            "20",
            "--batch",
            "4",
            "--seed",
            "7",
            "--threads",
            "1"
        };
        Path jobOut = dir.resolve("job.gguf");
        Cli r = Cli.run(concat(
                new String[] {"train-heads"}, common, new String[] {"--prompts-per-task", "1", "-o", jobOut.toString()
                }));
        assertEquals(0, r.exit, r.toString());
        assertTrue(r.err.contains("3 map task(s)"), r.err);
        assertTrue(r.err.contains("1 reduce task trains"), r.err);

        Path localOut = dir.resolve("local.gguf");
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(0, TrainHeadsCommand.inProcess(concat(common, new String[] {"-o", localOut.toString()})));
        } finally {
            System.setOut(old);
        }
        JsonNode local = new ObjectMapper().readTree(buf.toString(java.nio.charset.StandardCharsets.UTF_8));

        assertTrue(
                java.util.Arrays.equals(Files.readAllBytes(localOut), Files.readAllBytes(jobOut)),
                "heads files differ");
        assertEquals(Files.readAllLines(dir.resolve("local.csv")), Files.readAllLines(dir.resolve("job.csv")));
        assertTrue(Files.exists(dir.resolve("job.png")));
        // Only the output, its CSV and PNG: the job's work directory is gone, and no .crc beside the heads.
        try (var files = Files.list(dir)) {
            assertEquals(
                    List.of("job.csv", "job.gguf", "job.png", "local.csv", "local.gguf", "local.png", "prompts.txt"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }

        JsonNode job = new ObjectMapper().readTree(r.out);
        assertEquals(
                jobOut.toAbsolutePath().toUri().getPath(),
                java.net.URI.create(job.get("output").asText()).getPath());
        for (String f :
                new String[] {"kind", "heads", "precision", "steps", "skipped_steps", "sequences", "final_loss"}) {
            assertEquals(local.get(f), job.get(f), f);
        }
        // Counters: 3 prompts (lines of the file), 2 continuations each, as many sequences as the in-process data.
        int sequences = local.get("sequences").asInt();
        assertTrue(r.err.contains("prompts 3,"), r.err);
        assertTrue(r.err.contains("continuations 6,"), r.err);
        assertTrue(r.err.contains(", sequences " + sequences + ","), r.err);
        assertTrue(r.err.contains("sequences_trained_on " + sequences + ","), r.err);
        assertTrue(r.err.contains(", steps 5"), r.err);
        assertTrue(
                r.err.contains(
                        "skipped_overflow_steps " + local.get("skipped_steps").asInt()),
                r.err);
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }

    @Test
    void badArgumentsAreNamed() throws Exception {
        String m = SharedFiles.model("stories260K.gguf").toString();
        String p = prompts().toString();
        String o = dir.resolve("x.gguf").toString();
        Cli r = Cli.run("train-heads", "-m", m, "--kind", "eagle", "--prompts", p, "-o", o);
        assertEquals(2, r.exit);
        assertTrue(r.err.contains("--kind must be medusa or mtp"), r.err);
        r = Cli.run("train-heads", "-m", m, "--kind", "medusa", "--prompts", p, "--precision", "f8", "-o", o);
        assertEquals(2, r.exit);
        assertTrue(r.err.contains("--precision must be f32, f16 or bf16"), r.err);
        r = Cli.run("train-heads", "-m", m, "--kind", "medusa", "--prompts", p, "--heads", "0", "-o", o);
        assertEquals(2, r.exit);
        assertTrue(r.err.contains("--heads must be in [1, 16]"), r.err);
        r = Cli.run("train-heads", "-m", m, "--kind", "mtp", "--own-output", "--prompts", p, "-o", o);
        assertEquals(2, r.exit);
        assertTrue(r.err.contains("--own-output"), r.err);
        r = Cli.run(
                "train-heads",
                "-m",
                m,
                "--kind",
                "medusa",
                "--prompts",
                p,
                "--batch",
                "50",
                "--samples",
                "1",
                "--tokens",
                "4",
                "--steps",
                "1",
                "-o",
                o);
        assertEquals(2, r.exit);
        assertTrue(r.err.contains("--batch 50 exceeds"), r.err);
        r = Cli.run("train-heads", "-m", m, "--kind", "medusa", "--prompts", p, "--loss-scale", "-3", "-o", o);
        assertEquals(2, r.exit);
        assertTrue(r.err.contains("--loss-scale"), r.err);
        r = Cli.run("train-heads", "-m", m, "--kind", "medusa", "--prompts", p, "--prompts-per-task", "0", "-o", o);
        assertEquals(2, r.exit);
        assertTrue(r.err.contains("--prompts-per-task must be in [1, "), r.err);
        r = Cli.run(
                "train-heads",
                "-m",
                m,
                "--kind",
                "medusa",
                "--prompts",
                dir.resolve("none.txt").toString(),
                "-o",
                o);
        assertEquals(2, r.exit);
        assertTrue(r.err.contains("--prompts: no such file"), r.err);
        r = Cli.run(
                "train-heads", "-m", dir.resolve("none.gguf").toString(), "--kind", "medusa", "--prompts", p, "-o", o);
        assertEquals(2, r.exit);
        assertTrue(r.err.contains("-m: no such file"), r.err);
        r = Cli.run(
                "train-heads",
                "-m",
                m,
                "--kind",
                "medusa",
                "--prompts",
                p,
                "-o",
                dir.resolve("no/such/dir/x.gguf").toString());
        assertEquals(2, r.exit);
        assertTrue(r.err.contains("-o: ") && r.err.contains("is not a directory"), r.err);
    }
}
