package dev.drafthorse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code drafthorse plot}: a PNG read back with ImageIO, markers where the layout puts them by hand. */
class PlotCommandTest {
    @TempDir
    Path dir;

    // LineChart's layout: 900 x 540, plot area from x = 80 (width 800) and y = 40 (height 440); y from 0 to 1.05 max.
    private static int px(double frac) {
        return 80 + (int) Math.round(800 * frac);
    }

    private static int py(double y, double yMax) {
        return 40 + (int) Math.round(440 * (yMax - y) / yMax);
    }

    @Test
    void drawsEverySeriesWhereTheAxesPutIt() throws Exception {
        Path csv = dir.resolve("curve.csv");
        Files.writeString(csv, "batch,ours,llama\n1,10,12\n4,20,\n16,40,30\n");
        Path png = dir.resolve("out/curve.png");
        Cli r = Cli.run(
                "plot",
                "--csv",
                csv.toString(),
                "--x",
                "batch",
                "--y",
                "ours,llama",
                "--title",
                "t",
                "--log-x",
                "-o",
                png.toString());
        assertEquals(0, r.exit, r.toString());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(900, img.getWidth());
        assertEquals(540, img.getHeight());
        double yMax = 40 * 1.05;
        // log x: 1, 4, 16 sit at 0, 1/2 and 1 of the width; series colours are matplotlib's first two
        assertEquals(0x1f77b4, img.getRGB(px(0), py(10, yMax)) & 0xffffff);
        assertEquals(0x1f77b4, img.getRGB(px(0.5), py(20, yMax)) & 0xffffff);
        assertEquals(0x1f77b4, img.getRGB(px(1), py(40, yMax)) & 0xffffff);
        assertEquals(0xd62728, img.getRGB(px(0), py(12, yMax)) & 0xffffff);
        assertEquals(0xd62728, img.getRGB(px(1), py(30, yMax)) & 0xffffff);
        // the missing llama value at 4 draws nothing there
        assertFalse((img.getRGB(px(0.5), py(21, yMax)) & 0xffffff) == 0xd62728);
        int inked = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xffffff) != 0xffffff) {
                    inked++;
                }
            }
        }
        assertTrue(inked > 5000 && inked < 900 * 540 / 2, "inked pixels " + inked);

        // linear x: 1, 4, 16 at 0, 3/15, 1
        Path lin = dir.resolve("lin.png");
        assertEquals(
                0, Cli.run("plot", "--csv", csv.toString(), "--x", "batch", "--y", "ours", "-o", lin.toString()).exit);
        BufferedImage l = ImageIO.read(lin.toFile());
        assertEquals(0x1f77b4, l.getRGB(px(3.0 / 15), py(20, yMax)) & 0xffffff);
    }

    @Test
    void badInputIsRefusedByName() throws Exception {
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "k,speedup\n1,1.5\n2,fast\n");
        Path png = dir.resolve("bad.png");
        Cli missing = Cli.run("plot", "--csv", csv.toString(), "--x", "k", "--y", "ratio", "-o", png.toString());
        assertEquals(2, missing.exit, missing.toString());
        assertTrue(missing.err.contains("'ratio'") && missing.err.contains("speedup"), missing.err);
        Cli nan = Cli.run("plot", "--csv", csv.toString(), "--x", "k", "--y", "speedup", "-o", png.toString());
        assertEquals(2, nan.exit, nan.toString());
        assertTrue(nan.err.contains("line 3") && nan.err.contains("'speedup'") && nan.err.contains("fast"), nan.err);
        Cli noFile = Cli.run(
                "plot",
                "--csv",
                dir.resolve("nope.csv").toString(),
                "--x",
                "k",
                "--y",
                "speedup",
                "-o",
                png.toString());
        assertEquals(2, noFile.exit, noFile.toString());
        assertTrue(noFile.err.contains("--csv") && noFile.err.contains("nope.csv"), noFile.err);
        Path zero = dir.resolve("zero.csv");
        Files.writeString(zero, "k,speedup\n0,1\n1,2\n");
        Cli log = Cli.run(
                "plot", "--csv", zero.toString(), "--x", "k", "--y", "speedup", "--log-x", "-o", png.toString());
        assertEquals(2, log.exit, log.toString());
        assertTrue(log.err.contains("log"), log.err);
        Cli noOut = Cli.run("plot", "--csv", zero.toString(), "--x", "k", "--y", "speedup");
        assertEquals(2, noOut.exit, noOut.toString());
        assertTrue(noOut.err.contains("--output"), noOut.err);
        assertFalse(Files.exists(png));
    }
}
