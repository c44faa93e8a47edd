package dev.drafthorse.rows;

/** A row that cannot be run, with the reason users see in the rejects (and the row id when it was readable). */
public final class BadRow extends Exception {
    private final String id;

    public BadRow(String id, String reason) {
        super(reason, null, false, false); // no stack trace: bad rows are data, not bugs
        this.id = id;
    }

    /** The row's id, or null when the row is unreadable before its id. */
    public String id() {
        return id;
    }

    public String reason() {
        return getMessage();
    }
}
