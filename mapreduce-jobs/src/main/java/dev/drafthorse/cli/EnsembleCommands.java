package dev.drafthorse.cli;

import dev.drafthorse.jobs.ensemble.EnsembleUsage;

/**
 * {@code ensemble-train} and {@code ensemble-predict}: MapReduce jobs ({@code dev.drafthorse.jobs.ensemble}), on
 * Hadoop's local runner by default and on YARN under {@code hadoop jar}. Without Hadoop on the class path they fall
 * back to the ensemble module's in-process tool on local files (same options, same model bytes). This class names
 * no Hadoop type.
 */
final class EnsembleCommands {
    private EnsembleCommands() {}

    /** Both commands; {@link Main} finds this method by name (see {@link Main#ensembleCommands}). */
    static java.util.List<Command> all() {
        return java.util.List.of(new Train(), new Predict());
    }

    /** {@code --help} anywhere: the usage on stdout. */
    static boolean help(String[] args, String usage) {
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help")) {
                System.out.print(usage.replaceFirst("usage: ", "usage: drafthorse "));
                return true;
            }
        }
        return false;
    }

    static final class Train implements Command {
        @Override
        public String name() {
            return "ensemble-train";
        }

        @Override
        public String summary() {
            return "MapReduce job: train a bagging, boosting or stacking ensemble over infer outputs and feature tables";
        }

        @Override
        public int run(String[] args) throws Exception {
            if (help(args, EnsembleUsage.TRAIN)) {
                return 0;
            }
            if (!Main.hadoop()) {
                System.err.println(
                        "ensemble-train: Hadoop is not on the class path: training in this process on local files");
                return LocalEnsemble.train(args);
            }
            return dev.drafthorse.jobs.ensemble.EnsembleTrainTool.launch(args);
        }
    }

    static final class Predict implements Command {
        @Override
        public String name() {
            return "ensemble-predict";
        }

        @Override
        public String summary() {
            return "MapReduce job: predict every input row with an ensemble model (TSV id, label, probability)";
        }

        @Override
        public int run(String[] args) throws Exception {
            if (help(args, EnsembleUsage.PREDICT)) {
                return 0;
            }
            if (!Main.hadoop()) {
                System.err.println(
                        "ensemble-predict: Hadoop is not on the class path: predicting in this process on local files");
                return LocalEnsemble.predict(args);
            }
            return dev.drafthorse.jobs.ensemble.EnsemblePredictTool.launch(args);
        }
    }
}
