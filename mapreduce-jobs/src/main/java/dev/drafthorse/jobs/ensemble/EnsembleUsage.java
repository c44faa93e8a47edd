package dev.drafthorse.jobs.ensemble;

import dev.drafthorse.cli.Args;
import dev.drafthorse.ensemble.EnsembleParams;
import java.util.Locale;
import org.apache.commons.cli.Options;

/**
 * The options and usage texts of {@code ensemble-train} and {@code ensemble-predict}, shared by the MapReduce jobs
 * and the in-process fallback (no Hadoop types here: the command table prints them without Hadoop).
 */
public final class EnsembleUsage {
    private EnsembleUsage() {}

    public static final String TRAIN = """
            usage: ensemble-train --method bagging|boosting|stacking --inputs IN1,IN2,... --labels LABELS --output MODEL
                                  [--seed N] [--tasks R] [-D ensemble.KEY=VALUE ...] [--params FILE.properties]
                                  [--report DIR [--holdout FRACTION]]
              IN      an infer output (JSON lines) or a TSV feature table (header 'id', features...), a file or a
                      directory of part files; NAME=PATH names the source (default: the file or directory name)
              LABELS  TSV with header 'id<TAB>label'; rows without a label are ignored for training and counted
              --report DIR   also train every member and ensemble on (1 - FRACTION) of the labeled rows, score them
                             on the rest (default FRACTION 0.2) and write DIR/evaluation.txt and DIR/report.html;
                             the table goes to stdout. The saved model is still trained on all labeled rows.
            job (MapReduce; the local runner unless mapreduce.framework.name=yarn, as under hadoop jar):
              paths may be any Hadoop filesystem URI; Hadoop's -conf and -fs go first, -D KEY=VALUE anywhere.
              --tasks R   reduce tasks that train the units (bagging members; stacking's member x fold fits and
                          refits) in parallel, unit i in task i mod R (default: min(units, 8)). Boosting is
                          sequential (each round fits the previous rounds' errors): one unit in one task.
                          --report's evaluation runs in the driver. Without Hadoop on the class path the command
                          trains in its own process on local files and R does not apply.
            hyperparameters (-D key=value):
            """ + keys();

    public static final String PREDICT = """
            usage: ensemble-predict --model MODEL --inputs IN1,IN2,... --output DIR [--format tsv|json]
                                    [--max-reject-fraction F]
              A MapReduce job (the local runner unless mapreduce.framework.name=yarn, as under hadoop jar); paths may be
              any Hadoop filesystem URI; Hadoop's -conf and -fs go first, -D anywhere. The model ships through the
              distributed cache. Writes DIR/part-r-NNNNN (one 'id<TAB>label<TAB>probability' line per input row, or
              JSON lines, sorted by id within a part), DIR/_SUCCESS, and DIR/_rejects/part-* ('id<TAB>file (byte
              offset): reason') for lines that could not be read or whose row the model refused; the job fails (no
              _SUCCESS, exit 1) when more than F of the input lines are rejected (default 0.1).
              The inputs must be the model's sources, by name (see the model header's 'sources').
            """;

    private static String keys() {
        StringBuilder sb = new StringBuilder();
        for (EnsembleParams.Key k : EnsembleParams.Key.values()) {
            sb.append(String.format(Locale.ROOT, "  %-32s %-10s %s%n", k.key, k.defaultValue, k.description));
        }
        return sb.toString();
    }

    /**
     * Parses a command line (null after printing {@code --help}); a positional argument is a usage error.
     */
    public static Args parse(String command, Options options, String[] args) {
        Args a = Args.parse(command + " [options]", "", options, args);
        if (a != null && a.rest().length > 0) {
            throw new dev.drafthorse.cli.UsageException("unexpected argument '" + a.rest()[0] + "'");
        }
        return a;
    }

    /** {@code ensemble-train}'s options (commons-cli, as every command's). */
    public static Options trainOptions() {
        Options o = new Options();
        o.addOption(Args.opt(null, "method", "METHOD", "bagging, boosting or stacking"));
        o.addOption(Args.opt(null, "inputs", "IN1,IN2,...", "infer outputs or feature tables, [NAME=]PATH each"));
        o.addOption(Args.opt(null, "labels", "LABELS", "TSV with header id<TAB>label"));
        o.addOption(Args.opt(null, "output", "MODEL", "the model file to write"));
        o.addOption(Args.opt(null, "seed", "N", "the seed of every random choice"));
        o.addOption(Args.opt(null, "params", "FILE", "hyperparameters as a properties file"));
        o.addOption(Args.opt(null, "report", "DIR", "also write an evaluation on held-out labeled rows"));
        o.addOption(Args.opt(null, "holdout", "FRACTION", "the held-out fraction of --report (default 0.2)"));
        o.addOption(Args.opt(null, "tasks", "R", "reduce tasks training the units in parallel (job only)"));
        o.addOption(Args.defineOption());
        return o;
    }

    /** {@code ensemble-predict}'s options. */
    public static Options predictOptions() {
        Options o = new Options();
        o.addOption(Args.opt(null, "model", "MODEL", "the ensemble model file"));
        o.addOption(Args.opt(null, "inputs", "IN1,IN2,...", "the model's sources, [NAME=]PATH each"));
        o.addOption(Args.opt(null, "output", "DIR", "the output directory (must not exist or be empty)"));
        o.addOption(Args.opt(null, "format", "tsv|json", "the prediction lines' format (default tsv)"));
        o.addOption(Args.opt(
                null, "max-reject-fraction", "F", "fail when more of the input lines are rejected (job only)"));
        o.addOption(Args.defineOption());
        return o;
    }
}
