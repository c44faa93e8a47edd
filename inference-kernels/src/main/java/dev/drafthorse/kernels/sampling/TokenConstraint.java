package dev.drafthorse.kernels.sampling;

/**
 * Restricts which token may come next (a grammar, for instance). The sampler consults it before drawing: a token
 * it does not allow gets probability zero. One instance follows one sequence; {@link #copy} gives an independent
 * one for trying drafted tokens during speculative verification.
 */
public interface TokenConstraint {
    /** Whether token may come next. */
    boolean allows(int token);

    /** Sets every logit in logits[off, off + n) whose token may not come next to negative infinity. */
    void mask(float[] logits, int off, int n);

    /** Moves past token, which must be allowed. */
    void accept(int token);

    /** An independent copy at the same place. */
    TokenConstraint copy();
}
