package dev.drafthorse.ensemble.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Locale;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A self-contained HTML page (charts as embedded PNGs, drawn with JFreeChart): the metrics table, the ROC
 * curves of every member and ensemble (binary tasks), and accuracy and log loss side by side.
 */
public final class HtmlReport {
    private HtmlReport() {}

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    public static String render(Evaluation.Report report, String title) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(esc(title))
                .append("</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}"
                        + "td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}"
                        + "tr.ensemble{background:#eef5ff}img{max-width:100%}</style></head><body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n");
        h.append("<p>Trained on ")
                .append(report.trainRows())
                .append(" labeled rows, scored on ")
                .append(report.testRows())
                .append(" held-out rows. Classes: ")
                .append(esc(String.join(", ", report.classes())))
                .append(".</p>\n");
        h.append("<table><tr><th>model</th><th>kind</th><th>accuracy</th><th>log loss</th><th>AUC</th></tr>\n");
        for (Evaluation.Result r : report.results()) {
            Metrics m = r.metrics();
            h.append("<tr class=\"")
                    .append(r.kind())
                    .append("\"><td>")
                    .append(esc(r.name()))
                    .append("</td><td>")
                    .append(r.kind())
                    .append("</td><td>")
                    .append(fmt(m.accuracy()))
                    .append("</td><td>")
                    .append(fmt(m.logLoss()))
                    .append("</td><td>")
                    .append(Double.isNaN(m.auc()) ? "-" : fmt(m.auc()))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
        if (report.classes().size() == 2) {
            h.append("<h2>ROC curves (positive class: ")
                    .append(esc(report.classes().get(1)))
                    .append(")</h2>\n");
            h.append(img(rocChart(report), "ROC curves of members and ensembles"));
        }
        h.append("<h2>Members vs ensembles</h2>\n");
        h.append(img(barChart(report), "accuracy and log loss of each model"));
        h.append("</body></html>\n");
        return h.toString();
    }

    /** Distinct colours that read on white (Tableau 10); JFreeChart's defaults include a pale yellow. */
    static final Color[] PALETTE = {
        new Color(0x1f77b4),
        new Color(0xff7f0e),
        new Color(0x2ca02c),
        new Color(0xd62728),
        new Color(0x9467bd),
        new Color(0x8c564b),
        new Color(0xe377c2),
        new Color(0x17becf),
        new Color(0xbcbd22),
        new Color(0x393b79)
    };

    static JFreeChart rocChart(Evaluation.Report report) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Evaluation.Result r : report.results()) {
            XYSeries s = new XYSeries(
                    String.format(
                            Locale.ROOT,
                            "%s (%s, AUC %.3f)",
                            r.name(),
                            r.kind(),
                            r.metrics().auc()),
                    false,
                    true);
            for (double[] pt : Metrics.roc(Metrics.positiveScores(r.posteriors()), report.truth())) {
                s.add(pt[0], pt[1]);
            }
            data.addSeries(s);
        }
        XYSeries chance = new XYSeries("chance", false, true);
        chance.add(0, 0);
        chance.add(1, 1);
        data.addSeries(chance);
        JFreeChart chart = ChartFactory.createXYLineChart(
                "ROC", "false positive rate", "true positive rate", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        // both rates are in [0, 1]: no auto-range margin past the corners
        plot.getDomainAxis().setRange(0.0, 1.0);
        plot.getRangeAxis().setRange(0.0, 1.0);
        XYLineAndShapeRenderer rr = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < report.results().size(); i++) {
            boolean ensemble = report.results().get(i).kind().equals("ensemble");
            rr.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            rr.setSeriesStroke(
                    i,
                    new BasicStroke(
                            ensemble ? 2.5f : 1.2f,
                            BasicStroke.CAP_ROUND,
                            BasicStroke.JOIN_ROUND,
                            1f,
                            ensemble ? null : new float[] {6f, 4f},
                            0f));
        }
        int last = report.results().size();
        rr.setSeriesPaint(last, Color.GRAY);
        rr.setSeriesStroke(
                last, new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {2f, 3f}, 0f));
        plot.setRenderer(rr);
        chart.setPadding(new org.jfree.chart.ui.RectangleInsets(4, 4, 4, 16)); // room for the last tick label, 1.00
        return chart;
    }

    static JFreeChart barChart(Evaluation.Report report) {
        DefaultCategoryDataset d = new DefaultCategoryDataset();
        for (Evaluation.Result r : report.results()) {
            String label = r.name() + (r.kind().equals("ensemble") ? " *" : "");
            d.addValue(r.metrics().accuracy(), "accuracy", label);
            d.addValue(r.metrics().logLoss(), "log loss", label);
        }
        JFreeChart chart = ChartFactory.createBarChart(
                "Held-out accuracy and log loss (* = ensemble)",
                "model",
                "value",
                d,
                PlotOrientation.HORIZONTAL,
                true,
                false,
                false);
        chart.getCategoryPlot().setBackgroundPaint(Color.WHITE);
        chart.getCategoryPlot().setRangeGridlinePaint(Color.LIGHT_GRAY);
        return chart;
    }

    /** A chart as PNG bytes. */
    public static byte[] png(JFreeChart chart, int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ChartUtils.writeChartAsPNG(out, chart, width, height);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String img(JFreeChart chart, String alt) {
        return "<p><img alt=\"" + esc(alt) + "\" src=\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(png(chart, 900, 600)) + "\"></p>\n";
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** The ROC chart alone as a PNG (binary tasks). */
    public static byte[] rocPng(Evaluation.Report report) {
        return png(rocChart(report), 900, 600);
    }
}
