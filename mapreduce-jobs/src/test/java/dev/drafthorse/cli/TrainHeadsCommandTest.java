package dev.drafthorse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
        Cli r = Cli.run("train-heads", "-m", Shared.model("stories260K.gguf").toString(), "--kind", "medusa", "--heads", "2",
                "--prompts", prompts().toString(), "--steps", "6", "--precision", "f16", "--samples", "2", "--tokens", "24",
                "--batch", "3", "--eval-prompts", prompts().toString(), "-o", out.toString(), "--threads", "1");
        assertEquals(0, r.exit, r.toString());
        assertTrue(r.err.contains("step 6/6"), r.err);
        JsonNode s = new ObjectMapper().readTree(r.out);
        assertEquals(6, s.get("steps").asInt());
        assertEquals(6, s.get("sequences").asInt());
        assertTrue(s.get("mean_accepted_chain").asDouble() >= 1.0);

        try (Parallel par = new Parallel(1)) {
            Model m = Model.load(Shared.model("stories260K.gguf"), par);
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
        r = Cli.run("train-heads", "--replot", dir.resolve("heads.csv") + "," + dir.resolve("heads.csv"), "--png", both.toString());
        assertEquals(0, r.exit, r.toString());
        assertEquals(540, ImageIO.read(both.toFile()).getHeight());
    }

    @Test
    void mtpInBf16() throws Exception {
        Path out = dir.resolve("mtp.gguf");
        Cli r = Cli.run("train-heads", "-m", Shared.model("stories260K.gguf").toString(), "--kind", "mtp", "--heads", "1",
                "--prompts", prompts().toString(), "--steps", "2", "--precision", "bf16", "--samples", "1", "--tokens", "16",
                "--batch", "2", "-o", out.toString(), "--threads", "1");
        assertEquals(0, r.exit, r.toString());
        GgufFile f = GgufFile.open(out);
        assertEquals("drafthorse.mtp", f.getString("general.architecture"));
        assertEquals(GgmlType.BF16, f.tensor("mtp.0.attn_q.weight").type());
    }

    @Test
    void badArgumentsAreNamed() throws Exception {
        String m = Shared.model("stories260K.gguf").toString();
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
        r = Cli.run("train-heads", "-m", m, "--kind", "medusa", "--prompts", p, "--batch", "50", "--samples", "1", "--tokens", "4",
                "--steps", "1", "-o", o);
        assertEquals(2, r.exit);
        assertTrue(r.err.contains("--batch 50 exceeds"), r.err);
        r = Cli.run("train-heads", "-m", m, "--kind", "medusa", "--prompts", p, "--loss-scale", "-3", "-o", o);
        assertEquals(2, r.exit);
        assertTrue(r.err.contains("--loss-scale"), r.err);
    }
}
