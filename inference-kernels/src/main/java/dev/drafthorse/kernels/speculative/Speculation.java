package dev.drafthorse.kernels.speculative;

/**
 * How a sequence drafts tokens for the target to verify.
 *
 * @param mode none, a draft model, or n-gram lookup in the prompt and output
 * @param draftMax the longest draft (--draft-max); the adaptive length stays at or below it
 * @param lookupNgram for lookup: the longest suffix matched (falls back to shorter ones, down to 1)
 * @param adaptive true to adapt the draft length to acceptance and cost ({@link DraftLength}); false to
 *     always draft {@code draftMax} tokens (for measurements and tests)
 */
public record Speculation(Mode mode, int draftMax, int lookupNgram, boolean adaptive) {

    /** Where drafted tokens come from. */
    public enum Mode { NONE, DRAFT_MODEL, LOOKUP }

    public static final Speculation NONE = new Speculation(Mode.NONE, 0, 0, false);

    public Speculation {
        if (mode != Mode.NONE && (draftMax < 1 || draftMax > 64)) {
            throw new IllegalArgumentException("draft-max must be in [1, 64], got " + draftMax);
        }
        if (mode == Mode.LOOKUP && (lookupNgram < 1 || lookupNgram > 16)) {
            throw new IllegalArgumentException("lookup-ngram must be in [1, 16], got " + lookupNgram);
        }
    }

    public static Speculation draft(int draftMax) {
        return new Speculation(Mode.DRAFT_MODEL, draftMax, 0, true);
    }

    public static Speculation lookup(int draftMax, int ngram) {
        return new Speculation(Mode.LOOKUP, draftMax, ngram, true);
    }

    /** The same, always drafting draftMax tokens. */
    public Speculation fixed() {
        return new Speculation(mode, draftMax, lookupNgram, false);
    }

    public boolean enabled() {
        return mode != Mode.NONE;
    }
}
