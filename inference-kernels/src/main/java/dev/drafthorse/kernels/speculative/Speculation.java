package dev.drafthorse.kernels.speculative;

/**
 * How a sequence drafts tokens for the target to verify.
 *
 * @param mode none, a draft model, n-gram lookup in the prompt and output, Medusa heads (a candidate
 *     tree), or multi-token-prediction modules (a chain)
 * @param draftMax the longest draft (--draft-max); the adaptive length stays at or below it. For Medusa,
 *     the tree's depth; for MTP, the modules used (at most the file's count)
 * @param lookupNgram for lookup: the longest suffix matched (falls back to shorter ones, down to 1)
 * @param adaptive true to adapt the draft length to acceptance and cost ({@link DraftLength}); false to
 *     always draft {@code draftMax} tokens (for measurements and tests). Medusa and MTP are fixed.
 * @param tree for Medusa, the candidate tree; else null
 * @param typical for Medusa when sampling, the typical-acceptance rule (not distribution-preserving);
 *     greedy decoding accepts by argmax, exactly
 */
public record Speculation(
        Mode mode, int draftMax, int lookupNgram, boolean adaptive, TreeSpec tree, TypicalAcceptance typical) {

    /** Where drafted tokens come from. */
    public enum Mode {
        NONE,
        DRAFT_MODEL,
        LOOKUP,
        MEDUSA,
        MTP
    }

    public static final Speculation NONE = new Speculation(Mode.NONE, 0, 0, false);

    /**
     * The Medusa tree used when none is given (cut to the heads' count): the first head's top candidate. Chosen from
     * the measured step cost on a 2-core CPU (BENCHMARKS.md, "Trained heads for tinystories-23m"): a verification pass
     * of T positions costs well over one decode pass past T = 2 (each further head also multiplies the 32000-row output
     * matrix), so with the committed heads the chain {@code 1} pays (1.19–1.30×) where {@code 1,1,1} loses (0.85–0.88×,
     * step cost 2.4 decode steps for 2.05 tokens); wide trees (Medusa's 63-node {@code mc_sim_7b_63}, made for GPUs,
     * where a pass of 64 positions costs about one decode step) lose by far.
     */
    public static final String DEFAULT_MEDUSA_TREE = "1";

    /**
     * MTP modules used when --draft-max is not given (at most the file's count); chosen like
     * {@link #DEFAULT_MEDUSA_TREE}: each module is one transformer block run per step, and deeper modules accept
     * less often, so on the CPU the first module pays best.
     */
    public static final int DEFAULT_MTP_DEPTH = 1;

    /** {@link #DEFAULT_MEDUSA_TREE} cut to {@code heads} heads. */
    public static TreeSpec defaultMedusaTree(int heads) {
        return TreeSpec.parse(DEFAULT_MEDUSA_TREE).within(heads);
    }

    /** {@link #DEFAULT_MTP_DEPTH}, at most {@code modules}. */
    public static int defaultMtpDepth(int modules) {
        if (modules < 1) {
            throw new IllegalArgumentException("modules must be >= 1, got " + modules);
        }
        return Math.min(modules, DEFAULT_MTP_DEPTH);
    }

    public Speculation(Mode mode, int draftMax, int lookupNgram, boolean adaptive) {
        this(mode, draftMax, lookupNgram, adaptive, null, TypicalAcceptance.DEFAULT);
    }

    public Speculation {
        if (mode != Mode.NONE && (draftMax < 1 || draftMax > 64)) {
            throw new IllegalArgumentException("draft-max must be in [1, 64], got " + draftMax);
        }
        if (mode == Mode.LOOKUP && (lookupNgram < 1 || lookupNgram > 16)) {
            throw new IllegalArgumentException("lookup-ngram must be in [1, 16], got " + lookupNgram);
        }
        if (mode == Mode.MEDUSA && tree == null) {
            throw new IllegalArgumentException("Medusa speculation needs a tree");
        }
        if ((mode == Mode.MEDUSA || mode == Mode.MTP) && adaptive) {
            throw new IllegalArgumentException(mode + " speculation has a fixed shape (adaptive must be false)");
        }
        if (typical == null) {
            typical = TypicalAcceptance.DEFAULT;
        }
    }

    public static Speculation draft(int draftMax) {
        return new Speculation(Mode.DRAFT_MODEL, draftMax, 0, true);
    }

    public static Speculation lookup(int draftMax, int ngram) {
        return new Speculation(Mode.LOOKUP, draftMax, ngram, true);
    }

    /**
     * Medusa heads verifying {@code tree}; when sampling, candidates pass by {@code typical} acceptance
     * (not distribution-preserving).
     */
    public static Speculation medusa(TreeSpec tree, TypicalAcceptance typical) {
        return new Speculation(Mode.MEDUSA, tree.depth(), 0, false, tree, typical);
    }

    /** MTP modules drafting a chain of {@code modules} tokens (sampling stays exact: speculative sampling). */
    public static Speculation mtp(int modules) {
        return new Speculation(Mode.MTP, modules, 0, false);
    }

    /** The same, always drafting draftMax tokens. */
    public Speculation fixed() {
        return new Speculation(mode, draftMax, lookupNgram, false, tree, typical);
    }

    public boolean enabled() {
        return mode != Mode.NONE;
    }

    /** Whether the drafts come from heads on the target itself (Medusa or MTP). */
    public boolean heads() {
        return mode == Mode.MEDUSA || mode == Mode.MTP;
    }
}
