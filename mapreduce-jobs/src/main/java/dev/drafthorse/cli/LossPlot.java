package dev.drafthorse.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** train-heads' loss curves: its CSV read as (step, loss) points, drawn by {@link LineChart}. */
final class LossPlot {
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

    /** The loss curves (name to (step, loss) points) as a {@link LineChart}. */
    static void write(Path png, String title, Map<String, double[][]> series) throws IOException {
        LineChart.write(png, title, "step", "loss", false, series);
    }
}
