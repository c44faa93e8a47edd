package dev.drafthorse.ensemble.data;

import java.io.IOException;

/** An input file (feature table, labels, infer output) that cannot be read; the message names the source,
 *  the line and the field or value at fault. */
public class DataFormatException extends IOException {
    public DataFormatException(String message) {
        super(message);
    }
}
