package dev.drafthorse.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A line chart as a PNG from the columns of a CSV: one x column, several named y series, optional
 * logarithmic x axis, axis labels and a legend. Drawn with java.awt (headless) and written by
 * javax.imageio, like {@link LossPlot}: no charting dependency.
 */
final class LineChart {
    private static final Color[] COLORS = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd),
        new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)
    };
    static final int WIDTH = 900;
    static final int HEIGHT = 540;

    private LineChart() {}

    /** The columns of a CSV with a header line: name to values in row order; empty cells are NaN (missing). */
    static Map<String, double[]> readColumns(Path csv, List<String> wanted) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String l : Files.readAllLines(csv)) {
            if (!l.isBlank() && !l.startsWith("#")) {
                lines.add(l);
            }
        }
        if (lines.isEmpty()) {
            throw new UsageException(csv + ": empty CSV (no header line)");
        }
        List<String> header = new ArrayList<>();
        for (String h : lines.get(0).split(",", -1)) {
            header.add(h.trim());
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        for (String col : wanted) {
            int c = header.indexOf(col);
            if (c < 0) {
                throw new UsageException(csv + ": no column '" + col + "' (columns: " + String.join(", ", header) + ")");
            }
            double[] v = new double[lines.size() - 1];
            for (int i = 1; i < lines.size(); i++) {
                String[] f = lines.get(i).split(",", -1);
                if (f.length != header.size()) {
                    throw new UsageException(csv + ": line " + (i + 1) + " has " + f.length + " fields, the header "
                            + header.size());
                }
                String s = f[c].trim();
                try {
                    v[i - 1] = s.isEmpty() ? Double.NaN : Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new UsageException(
                            csv + ": line " + (i + 1) + ", column '" + col + "': not a number: '" + s + "'");
                }
            }
            out.put(col, v);
        }
        return out;
    }

    /**
     * Writes the chart.
     *
     * @param x the x values (finite; positive when {@code logX})
     * @param series name to y values, each as long as {@code x}; NaN is a missing point
     */
    static void write(
            Path png, String title, String xLabel, String yLabel, boolean logX, double[] x, Map<String, double[]> series)
            throws IOException {
        if (x.length == 0) {
            throw new UsageException("no rows to plot");
        }
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i]) || (logX && x[i] <= 0)) {
                throw new UsageException("x value " + x[i] + " in row " + (i + 1)
                        + (logX ? " is not a positive number (log x axis)" : " is not a number"));
            }
        }
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            if (e.getValue().length != x.length) {
                throw new IllegalArgumentException("series '" + e.getKey() + "' has " + e.getValue().length
                        + " values for " + x.length + " x values");
            }
        }
        System.setProperty("java.awt.headless", "true");
        int left = 80;
        int right = 20;
        int top = 40;
        int bottom = 60;
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            double t = logX ? Math.log(v) : v;
            xMin = Math.min(xMin, t);
            xMax = Math.max(xMax, t);
        }
        if (!(xMax > xMin)) {
            xMin -= 1;
            xMax += 1;
        }
        double yMin = 0;
        double yMax = Double.NEGATIVE_INFINITY;
        for (double[] s : series.values()) {
            for (double v : s) {
                if (Double.isFinite(v)) {
                    yMin = Math.min(yMin, v);
                    yMax = Math.max(yMax, v);
                }
            }
        }
        if (!(yMax > yMin)) {
            yMax = yMin + 1;
        }
        yMax += (yMax - yMin) * 0.05;
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        Font plain = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        g.setFont(plain);
        FontMetrics fm = g.getFontMetrics();
        int pw = WIDTH - left - right;
        int ph = HEIGHT - top - bottom;
        g.setColor(new Color(0xdddddd));
        for (int i = 0; i <= 5; i++) {
            int y = top + ph * i / 5;
            g.drawLine(left, y, left + pw, y);
        }
        // x ticks at the data's own x values (batch sizes, draft lengths), gridlines through them
        for (double v : x) {
            int px = left + (int) Math.round(pw * ((logX ? Math.log(v) : v) - xMin) / (xMax - xMin));
            g.setColor(new Color(0xdddddd));
            g.drawLine(px, top, px, top + ph);
            g.setColor(Color.BLACK);
            String s = fmt(v);
            g.drawString(s, px - fm.stringWidth(s) / 2, top + ph + 18);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, pw, ph);
        for (int i = 0; i <= 5; i++) {
            String s = fmt(yMax - (yMax - yMin) * i / 5);
            g.drawString(s, left - 6 - fm.stringWidth(s), top + ph * i / 5 + 4);
        }
        String xl = xLabel + (logX ? " (log scale)" : "");
        g.drawString(xl, left + pw / 2 - fm.stringWidth(xl) / 2, HEIGHT - 16);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString(yLabel, -(top + ph / 2 + fm.stringWidth(yLabel) / 2), 16);
        g.setTransform(saved);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, left, 24);
        g.setFont(plain);
        int c = 0;
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            Color col = COLORS[c % COLORS.length];
            g.setColor(col);
            g.setStroke(new BasicStroke(2f));
            int prevX = -1;
            int prevY = -1;
            double[] ys = e.getValue();
            for (int i = 0; i < x.length; i++) {
                if (!Double.isFinite(ys[i])) {
                    prevX = -1;
                    continue;
                }
                int px = left + (int) Math.round(pw * ((logX ? Math.log(x[i]) : x[i]) - xMin) / (xMax - xMin));
                int py = top + (int) Math.round(ph * (yMax - ys[i]) / (yMax - yMin));
                g.fillOval(px - 4, py - 4, 8, 8);
                if (prevX >= 0) {
                    g.drawLine(prevX, prevY, px, py);
                }
                prevX = px;
                prevY = py;
            }
            int ly = top + 18 + 18 * c;
            g.fillRect(left + 12, ly - 9, 18, 4);
            g.setColor(Color.BLACK);
            g.drawString(e.getKey(), left + 36, ly - 3);
            c++;
        }
        g.dispose();
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(img, "png", png.toFile())) {
            throw new IOException("no PNG writer available");
        }
    }

    private static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
