package dev.drafthorse.cli;

import dev.drafthorse.ensemble.cli.EnsembleTool;

/**
 * {@code ensemble-train} and {@code ensemble-predict} on the local filesystem (the ensemble module's own
 * tool: exit codes, usage and outputs as the other commands).
 */
final class EnsembleCommands {
    private EnsembleCommands() {}

    /** {@code --help} anywhere: the tool's usage on stdout. */
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
            return "train a bagging, boosting or stacking ensemble over infer outputs and feature tables";
        }

        @Override
        public int run(String[] args) {
            return help(args, EnsembleTool.TRAIN_USAGE) ? 0 : EnsembleTool.train(args);
        }
    }

    static final class Predict implements Command {
        @Override
        public String name() {
            return "ensemble-predict";
        }

        @Override
        public String summary() {
            return "predict every input row with an ensemble model (TSV id, label, probability)";
        }

        @Override
        public int run(String[] args) {
            return help(args, EnsembleTool.PREDICT_USAGE) ? 0 : EnsembleTool.predict(args);
        }
    }
}
