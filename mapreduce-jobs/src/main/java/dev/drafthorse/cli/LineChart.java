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
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A line chart as a PNG: several named series (columns of a CSV against one x column, or point lists such as
 * train-heads' loss curves), optional logarithmic x axis, axis labels and a legend. Drawn with java.awt (headless)
 * and written by javax.imageio: no charting dependency.
 */
final class LineChart {
    private static final Color[] COLORS = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd),
        new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)
    };
    private static final Color GRID = new Color(0xdddddd);
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
                throw new UsageException(
                        csv + ": no column '" + col + "' (columns: " + String.join(", ", header) + ")");
            }
            double[] v = new double[lines.size() - 1];
            for (int i = 1; i < lines.size(); i++) {
                String[] f = lines.get(i).split(",", -1);
                if (f.length != header.size()) {
                    throw new UsageException(
                            csv + ": line " + (i + 1) + " has " + f.length + " fields, the header " + header.size());
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
     * Writes the chart of columns: every series has one y per x value; NaN is a missing point.
     *
     * @param x the x values (finite; positive when {@code logX})
     * @param series name to y values, each as long as {@code x}
     */
    static void write(
            Path png,
            String title,
            String xLabel,
            String yLabel,
            boolean logX,
            double[] x,
            Map<String, double[]> series)
            throws IOException {
        Map<String, double[][]> points = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            double[] y = e.getValue();
            if (y.length != x.length) {
                throw new IllegalArgumentException(
                        "series '" + e.getKey() + "' has " + y.length + " values for " + x.length + " x values");
            }
            double[][] p = new double[x.length][];
            for (int i = 0; i < x.length; i++) {
                p[i] = new double[] {x[i], y[i]};
            }
            points.put(e.getKey(), p);
        }
        write(png, title, xLabel, yLabel, logX, points);
    }

    /**
     * Writes the chart of point series: name to (x, y) points in drawing order; a NaN y is a missing point
     * (it breaks the line). Series may have different x values (loss curves of different runs).
     */
    static void write(
            Path png, String title, String xLabel, String yLabel, boolean logX, Map<String, double[][]> series)
            throws IOException {
        double[] ticks = xTicks(series, logX);
        System.setProperty("java.awt.headless", "true");
        Frame f = Frame.of(logX, ticks, series);
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        drawAxes(g, f, ticks, title, xLabel + (logX ? " (log scale)" : ""), yLabel);
        int c = 0;
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            drawSeries(g, f, e.getValue(), COLORS[c % COLORS.length]);
            drawLegendEntry(g, c, e.getKey(), COLORS[c % COLORS.length]);
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

    /** Distinct x values up to this many are the ticks themselves (batch sizes, draft lengths); more get even ticks. */
    private static final int DATA_TICKS = 12;

    /**
     * The x ticks, after checking every x: the data's own x values when there are few, else six even steps
     * from the smallest to the largest (loss curves over hundreds of steps).
     */
    private static double[] xTicks(Map<String, double[][]> series, boolean logX) {
        java.util.TreeSet<Double> xs = new java.util.TreeSet<>();
        for (double[][] s : series.values()) {
            for (int i = 0; i < s.length; i++) {
                double x = s[i][0];
                if (!Double.isFinite(x) || (logX && x <= 0)) {
                    throw new UsageException("x value " + x + " in row " + (i + 1)
                            + (logX ? " is not a positive number (log x axis)" : " is not a number"));
                }
                xs.add(x);
            }
        }
        if (xs.isEmpty()) {
            throw new UsageException("no rows to plot");
        }
        if (xs.size() <= DATA_TICKS || logX) {
            return xs.stream().mapToDouble(Double::doubleValue).toArray();
        }
        double lo = xs.first();
        double hi = xs.last();
        double[] t = new double[6];
        for (int i = 0; i < t.length; i++) {
            t[i] = lo + (hi - lo) * i / 5;
        }
        return t;
    }

    /** The plot area in pixels and the ranges it shows: x over the data (log when asked), y from 0 (or below) to 5% over the top. */
    private record Frame(boolean logX, double xMin, double xMax, double yMin, double yMax) {
        static final int LEFT = 80;
        static final int TOP = 40;
        static final int PW = WIDTH - LEFT - 20;
        static final int PH = HEIGHT - TOP - 60;

        /** @param ticks the x ticks: they span the data's x range */
        static Frame of(boolean logX, double[] ticks, Map<String, double[][]> series) {
            double xMin = Double.POSITIVE_INFINITY;
            double xMax = Double.NEGATIVE_INFINITY;
            for (double v : ticks) {
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
            for (double[][] s : series.values()) {
                for (double[] p : s) {
                    if (Double.isFinite(p[1])) {
                        yMin = Math.min(yMin, p[1]);
                        yMax = Math.max(yMax, p[1]);
                    }
                }
            }
            if (!(yMax > yMin)) {
                yMax = yMin + 1;
            }
            return new Frame(logX, xMin, xMax, yMin, yMax + (yMax - yMin) * 0.05);
        }

        int px(double x) {
            return LEFT + (int) Math.round(PW * ((logX ? Math.log(x) : x) - xMin) / (xMax - xMin));
        }

        int py(double y) {
            return TOP + (int) Math.round(PH * (yMax - y) / (yMax - yMin));
        }
    }

    /** Gridlines, the frame, the x ticks, 6 y ticks, labels, title. */
    private static void drawAxes(Graphics2D g, Frame f, double[] ticks, String title, String xLabel, String yLabel) {
        FontMetrics fm = g.getFontMetrics();
        int bottom = Frame.TOP + Frame.PH;
        for (int i = 0; i <= 5; i++) {
            int y = Frame.TOP + Frame.PH * i / 5;
            g.setColor(GRID);
            g.drawLine(Frame.LEFT, y, Frame.LEFT + Frame.PW, y);
            g.setColor(Color.BLACK);
            double step = (f.yMax() - f.yMin()) / 5;
            String s =
                    String.format(Locale.ROOT, step >= 10 ? "%.0f" : step >= 1 ? "%.1f" : "%.2f", f.yMax() - step * i);
            g.drawString(s, Frame.LEFT - 6 - fm.stringWidth(s), y + 4);
        }
        for (double v : ticks) {
            int px = f.px(v);
            g.setColor(GRID);
            g.drawLine(px, Frame.TOP, px, bottom);
            g.setColor(Color.BLACK);
            String s = xTick(v);
            g.drawString(s, px - fm.stringWidth(s) / 2, bottom + 18);
        }
        g.drawRect(Frame.LEFT, Frame.TOP, Frame.PW, Frame.PH);
        g.drawString(xLabel, Frame.LEFT + Frame.PW / 2 - fm.stringWidth(xLabel) / 2, HEIGHT - 16);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString(yLabel, -(Frame.TOP + Frame.PH / 2 + fm.stringWidth(yLabel) / 2), 16);
        g.setTransform(saved);
        Font plain = g.getFont();
        g.setFont(plain.deriveFont(Font.BOLD, 14f));
        g.drawString(title, Frame.LEFT, 24);
        g.setFont(plain);
    }

    /** A marker at every point and a line between neighbours; a missing (NaN) point breaks the line. */
    private static void drawSeries(Graphics2D g, Frame f, double[][] points, Color color) {
        g.setColor(color);
        g.setStroke(new BasicStroke(2f));
        boolean markers = points.length <= DATA_TICKS; // a loss curve of hundreds of steps is a line only
        int prevX = -1;
        int prevY = -1;
        for (double[] p : points) {
            if (!Double.isFinite(p[1])) {
                prevX = -1;
                continue;
            }
            int px = f.px(p[0]);
            int py = f.py(p[1]);
            if (markers) {
                g.fillOval(px - 4, py - 4, 8, 8);
            }
            if (prevX >= 0) {
                g.drawLine(prevX, prevY, px, py);
            }
            prevX = px;
            prevY = py;
        }
    }

    private static void drawLegendEntry(Graphics2D g, int index, String name, Color color) {
        int y = Frame.TOP + 18 + 18 * index;
        g.setColor(color);
        g.fillRect(Frame.LEFT + 12, y - 9, 18, 4);
        g.setColor(Color.BLACK);
        g.drawString(name, Frame.LEFT + 36, y - 3);
    }

    /** An x tick: the value as written (16, not 16.0; 0.5), rounded to 4 significant digits for even ticks. */
    private static String xTick(double v) {
        return BigDecimal.valueOf(v)
                .round(new java.math.MathContext(4))
                .stripTrailingZeros()
                .toPlainString();
    }
}
