package dev.drafthorse.ensemble;

/**
 * The prediction for one row: the most probable label and its probability (the {@code ensemble-predict}
 * output contract), plus the full posterior in class order.
 */
public record Prediction(String id, String label, double probability, double[] posterior) {

    /** {@code id<TAB>label<TAB>probability}. */
    public String toTsv() {
        return id + "\t" + label + "\t" + probability;
    }
}
