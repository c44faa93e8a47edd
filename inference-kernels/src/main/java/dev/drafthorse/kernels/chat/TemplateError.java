package dev.drafthorse.kernels.chat;

/**
 * A chat template failed: it called {@code raise_exception(message)} (then {@link #raised()} is true and the
 * message is exactly the template's), or it is malformed or did something Jinja refuses (an undefined value
 * used in arithmetic, an unknown filter, a syntax error; the message names the line).
 */
public final class TemplateError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean raised;

    TemplateError(String message, boolean raised) {
        super(message);
        this.raised = raised;
    }

    /** An error of the engine (not the template's own {@code raise_exception}). */
    static TemplateError of(String message) {
        return new TemplateError(message, false);
    }

    /** True when the template itself raised the error with {@code raise_exception}. */
    public boolean raised() {
        return raised;
    }
}
