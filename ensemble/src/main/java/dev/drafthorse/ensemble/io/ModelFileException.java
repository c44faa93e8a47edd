package dev.drafthorse.ensemble.io;

import java.io.IOException;

/** A model file that is refused: not ours, another version, truncated, corrupt, or carrying an unexpected class. */
public class ModelFileException extends IOException {
    public ModelFileException(String message) {
        super(message);
    }

    public ModelFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
