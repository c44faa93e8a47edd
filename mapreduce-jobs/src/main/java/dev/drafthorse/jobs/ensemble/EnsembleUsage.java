package dev.drafthorse.jobs.ensemble;

import dev.drafthorse.ensemble.cli.EnsembleTool;

/** The usage texts of the two commands (no Hadoop types here: the command table prints them without Hadoop). */
public final class EnsembleUsage {
    private EnsembleUsage() {}

    public static final String TRAIN = EnsembleTool.TRAIN_USAGE.replaceFirst("\\[--seed N\\]", "[--seed N] [--tasks R]")
            + """
            job (MapReduce; the local runner unless mapreduce.framework.name=yarn, as under hadoop jar):
              paths may be any Hadoop filesystem URI; Hadoop's -conf and -fs go first, -D KEY=VALUE anywhere.
              --tasks R   reduce tasks that train the units (bagging members; stacking's member x fold fits and
                          refits) in parallel, unit i in task i mod R (default: min(units, 8)). Boosting is
                          sequential (each round fits the previous rounds' errors): one unit in one task.
                          --report's evaluation runs in the driver.
            """;

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
}
