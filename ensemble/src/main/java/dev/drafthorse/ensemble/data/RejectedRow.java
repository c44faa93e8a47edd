package dev.drafthorse.ensemble.data;

/**
 * A row that was not used, with its reason: written to {@code _rejects/} by the jobs as {@code id<TAB>reason}.
 *
 * @param source the input's name
 * @param line   1-based line number in that input, or 0 when unknown
 * @param id     the row id, or {@code ""} when the row had none
 * @param reason why it was rejected, naming the field
 */
public record RejectedRow(String source, long line, String id, String reason) {
    /** {@code id<TAB>source:line: reason}, tabs and newlines in the reason replaced by spaces. */
    public String toTsv() {
        return clean(id) + "\t" + clean(source + ":" + line + ": " + reason);
    }

    private static String clean(String s) {
        return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }
}
