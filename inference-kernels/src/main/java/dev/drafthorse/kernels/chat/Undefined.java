package dev.drafthorse.kernels.chat;

/**
 * Jinja's default {@code Undefined}: what a missing variable, key or attribute evaluates to. It prints as
 * nothing, is false, iterates as empty and has length 0; arithmetic on it, or looking something up in it,
 * fails with {@link #hint}.
 */
final class Undefined {
    /** Why the value is undefined, as Jinja words it ({@code 'x' is undefined}). */
    final String hint;

    Undefined(String hint) {
        this.hint = hint;
    }

    TemplateError fail() {
        return TemplateError.of(hint);
    }

    @Override
    public String toString() {
        return "";
    }
}
