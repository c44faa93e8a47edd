package dev.drafthorse.ensemble.method;

/** Level-1 data in which some row was predicted by a model that had seen it in training. */
public class LeakageException extends IllegalStateException {
    public LeakageException(String message) {
        super(message);
    }
}
