package dev.drafthorse.kernels.gguf;

import java.io.IOException;

/**
 * A GGUF file that cannot be used: the message names the file, the field and the offending value, so a
 * user can tell a truncated download from a wrong path from an unsupported model.
 */
public class GgufException extends IOException {
    private final String file;
    private final String field;

    public GgufException(String file, String field, String problem) {
        super(file + ": " + field + ": " + problem);
        this.file = file;
        this.field = field;
    }

    public String file() {
        return file;
    }

    public String field() {
        return field;
    }
}
