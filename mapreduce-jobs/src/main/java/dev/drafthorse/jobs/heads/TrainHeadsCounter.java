package dev.drafthorse.jobs.heads;

/** Counters of the {@code train-heads} job. */
public enum TrainHeadsCounter {
    /** Prompts the map tasks continued. */
    PROMPTS,
    /** Continuations generated (prompts × samples). */
    CONTINUATIONS,
    /** Training sequences emitted (continuations of at least 2 tokens). */
    SEQUENCES,
    /** Tokens the model generated for the training data. */
    TOKENS_GENERATED,
    /** Positions trained on (sequence length − start, summed). */
    TRAINED_POSITIONS,
    /** Sequences the reduce task received. */
    SEQUENCES_TRAINED_ON,
    /** Optimizer steps taken or skipped. */
    STEPS,
    /** Steps skipped because the gradients overflowed (dynamic loss scaling halves the scale). */
    SKIPPED_OVERFLOW_STEPS,
    /** Milliseconds spent loading the model, summed over tasks. */
    MODEL_LOAD_MS
}
