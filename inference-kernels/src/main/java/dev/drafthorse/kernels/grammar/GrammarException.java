package dev.drafthorse.kernels.grammar;

/** A malformed GBNF grammar or JSON schema, with the place of the error (line:column, or a JSON path). */
public final class GrammarException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public GrammarException(String message) {
        super(message);
    }

    /** A message naming line and column (both from 1) of {@code offset} in {@code text}. */
    static GrammarException at(String source, String text, int offset, String problem) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < Math.min(offset, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new GrammarException(source + " " + line + ":" + col + ": " + problem);
    }
}
