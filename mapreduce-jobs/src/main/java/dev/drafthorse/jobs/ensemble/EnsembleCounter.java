package dev.drafthorse.jobs.ensemble;

/** Counters of {@code ensemble-train} and {@code ensemble-predict} (group {@code dev.drafthorse.jobs.ensemble.EnsembleCounter}). */
public enum EnsembleCounter {
    // ensemble-train
    /** Labeled rows the ensemble is trained on (the driver joined inputs and labels). */
    TRAIN_ROWS,
    /** Input lines the driver rejected while reading the inputs (with reasons on stderr). */
    TRAIN_LINES_REJECTED,
    /** Feature rows without a label, left out of training. */
    TRAIN_ROWS_UNLABELED,
    /** Units trained (members, fold fits, refits, boosting runs). */
    UNITS_TRAINED,
    /** Bagging members trained. */
    BAGGING_MEMBERS_TRAINED,
    /** Stacking members fitted on the complement of a fold (out-of-fold predictions). */
    STACKING_FOLDS_TRAINED,
    /** Stacking members refitted on all rows. */
    STACKING_REFITS_TRAINED,
    /** Boosting runs (one: boosting is sequential). */
    BOOSTING_RUNS,
    /** Milliseconds spent training units, summed over tasks. */
    TRAIN_MS,

    // ensemble-predict
    /** Input data lines read (blank lines and TSV header lines are not rows). */
    INPUT_LINES,
    /** Input lines written to {@code _rejects/} with their reason. */
    LINES_REJECTED,
    /** Input lines that went into a predicted row (a row joins one line per source). */
    LINES_JOINED,
    /** Rows predicted (one output line each). */
    ROWS_OUT,
    /** Rows whose joined features the model refused (every line of such a row is rejected). */
    ROWS_REJECTED
}
