package dev.drafthorse.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Loss curves as a PNG, drawn with java.awt (headless) and written by javax.imageio: no charting
 * dependency for one line chart. Each series is (step, loss) points; several series share the axes.
 */
final class LossPlot {
    private static final Color[] COLORS = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)
    };

    private LossPlot() {}

    /** Reads the step and loss columns of a train-heads CSV. */
    static double[][] readCsv(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        if (lines.isEmpty() || !lines.get(0).startsWith("step,loss")) {
            throw new UsageException(csv + ": not a train-heads loss CSV (header 'step,loss,...')");
        }
        double[][] pts = new double[lines.size() - 1][];
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",");
            try {
                pts[i - 1] = new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])};
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new UsageException(csv + ": line " + (i + 1) + " is not 'step,loss,...': " + lines.get(i));
            }
        }
        return pts;
    }

    static void write(Path png, String title, Map<String, double[][]> series) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int w = 900;
        int h = 540;
        int left = 70;
        int right = 20;
        int top = 40;
        int bottom = 50;
        double xMax = 1;
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = Double.NEGATIVE_INFINITY;
        for (double[][] s : series.values()) {
            for (double[] p : s) {
                if (Double.isFinite(p[1])) {
                    xMax = Math.max(xMax, p[0]);
                    yMin = Math.min(yMin, p[1]);
                    yMax = Math.max(yMax, p[1]);
                }
            }
        }
        if (!(yMax > yMin)) {
            yMin = Double.isFinite(yMin) ? yMin - 1 : 0;
            yMax = yMin + 2;
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int pw = w - left - right;
        int ph = h - top - bottom;
        g.setColor(new Color(0xdddddd));
        for (int i = 0; i <= 5; i++) {
            int y = top + ph * i / 5;
            g.drawLine(left, y, left + pw, y);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, pw, ph);
        for (int i = 0; i <= 5; i++) {
            double v = yMax - (yMax - yMin) * i / 5;
            g.drawString(String.format("%.2f", v), 8, top + ph * i / 5 + 4);
            double x = xMax * i / 5;
            g.drawString(String.format("%.0f", x), left + pw * i / 5 - 8, top + ph + 18);
        }
        g.drawString("step", left + pw / 2 - 12, h - 10);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, left, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int c = 0;
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            Color col = COLORS[c % COLORS.length];
            g.setColor(col);
            g.setStroke(new BasicStroke(1.6f));
            int px = -1;
            int py = -1;
            for (double[] p : e.getValue()) {
                if (!Double.isFinite(p[1])) {
                    continue;
                }
                int x = left + (int) Math.round(pw * p[0] / xMax);
                int y = top + (int) Math.round(ph * (yMax - p[1]) / (yMax - yMin));
                if (px >= 0) {
                    g.drawLine(px, py, x, y);
                }
                px = x;
                py = y;
            }
            int ly = top + 18 + 18 * c;
            g.fillRect(left + pw - 230, ly - 9, 14, 4);
            g.setColor(Color.BLACK);
            g.drawString(e.getKey(), left + pw - 210, ly - 3);
            c++;
        }
        g.dispose();
        if (!ImageIO.write(img, "png", png.toFile())) {
            throw new IOException("no PNG writer available");
        }
    }

    static Map<String, double[][]> one(String label, List<double[]> points) {
        Map<String, double[][]> m = new LinkedHashMap<>();
        m.put(label, new ArrayList<>(points).toArray(new double[0][]));
        return m;
    }
}
