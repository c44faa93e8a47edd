package dev.drafthorse.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.Options;

/** {@code plot}: a line chart PNG from the columns of a CSV (scripts/bench.sh draws the issue-14 curves with it). */
final class PlotCommand implements Command {
    static final String USAGE = "drafthorse plot --csv FILE --x COL --y COL[,COL...] [--title T] [--x-label L]"
            + " [--y-label L] [--log-x] -o OUT.png";

    @Override
    public String name() {
        return "plot";
    }

    @Override
    public String summary() {
        return "draw a line chart PNG from CSV columns (x against one or more y series)";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        o.addOption(Args.opt(
                null, "csv", "FILE", "the CSV: a header line of column names, then numbers (empty = missing)"));
        o.addOption(Args.opt(null, "x", "COL", "the x column"));
        o.addOption(
                Args.opt(null, "y", "COL[,COL...]", "the y columns, one line each, named by the column in the legend"));
        o.addOption(Args.opt(null, "title", "T", "the chart title (default: the CSV's file name)"));
        o.addOption(Args.opt(null, "x-label", "L", "the x axis label (default: the x column)"));
        o.addOption(Args.opt(null, "y-label", "L", "the y axis label (default: the y columns)"));
        o.addOption(Args.flag("log-x", "logarithmic x axis (x values must be positive)"));
        o.addOption(Args.opt("o", "output", "OUT.png", "where to write the PNG"));
        Args a = Args.parse(USAGE, "Draws the y columns of a CSV against its x column as a PNG line chart.", o, args);
        if (a == null) {
            return 0;
        }
        Path csv = Path.of(a.require("csv"));
        if (!Files.isRegularFile(csv)) {
            throw new UsageException("--csv: no such file: " + csv);
        }
        String xCol = a.require("x");
        List<String> yCols = a.list("y");
        Path out = Path.of(a.require("output"));
        List<String> wanted = new ArrayList<>();
        wanted.add(xCol);
        wanted.addAll(yCols);
        Map<String, double[]> cols = LineChart.readColumns(csv, wanted);
        Map<String, double[]> series = new LinkedHashMap<>();
        for (String y : yCols) {
            series.put(y, cols.get(y));
        }
        LineChart.write(
                out,
                a.get("title", csv.getFileName().toString()),
                a.get("x-label", xCol),
                a.get("y-label", String.join(", ", yCols)),
                a.has("log-x"),
                cols.get(xCol),
                series);
        System.err.println("plot: wrote " + out);
        return 0;
    }
}
