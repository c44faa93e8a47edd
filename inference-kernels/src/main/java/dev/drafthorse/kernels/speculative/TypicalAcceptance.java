package dev.drafthorse.kernels.speculative;

/**
 * Medusa's typical acceptance (Cai et al. 2024, after Hewitt et al.'s truncation sampling): a candidate
 * token x is accepted when the target's probability of it is typical enough, p(x) > min(ε, δ·exp(−H(p))),
 * with H the entropy (nats) of the target's distribution p at that position. Confident positions (low
 * entropy) demand up to ε; uncertain ones accept more. The longest candidate path whose every token passes
 * is kept, then the next token is sampled from the target's distribution after it.
 *
 * <p><b>Not distribution-preserving</b>: unlike speculative sampling, the output is not distributed as
 * plain sampling from the target would be (it favours the heads' candidates among typical tokens). It
 * trades that for longer accepted paths. Under greedy decoding it is not used: greedy acceptance is exact.
 *
 * @param epsilon ε, the hard threshold, in (0, 1] (Medusa's default 0.09)
 * @param delta δ, the entropy-scaled threshold's factor, in [0, 1] (Medusa's default 0.3; Medusa's code
 *     calls it posterior_alpha)
 */
public record TypicalAcceptance(double epsilon, double delta) {
    public static final TypicalAcceptance DEFAULT = new TypicalAcceptance(0.09, 0.3);

    public TypicalAcceptance {
        if (!(epsilon > 0 && epsilon <= 1)) {
            throw new IllegalArgumentException("typical epsilon must be in (0, 1], got " + epsilon);
        }
        if (!(delta >= 0 && delta <= 1)) {
            throw new IllegalArgumentException("typical delta must be in [0, 1], got " + delta);
        }
    }

    /** Parses {@code EPS,DELTA}, e.g. {@code 0.09,0.3}. */
    public static TypicalAcceptance parse(String s) {
        String[] parts = s.split(",");
        if (parts.length != 2) {
            throw new IllegalArgumentException("typical must be EPS,DELTA (e.g. 0.09,0.3), got '" + s + "'");
        }
        try {
            return new TypicalAcceptance(Double.parseDouble(parts[0].strip()), Double.parseDouble(parts[1].strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("typical must be EPS,DELTA (e.g. 0.09,0.3), got '" + s + "'");
        }
    }

    /** min(ε, δ·exp(−H(p))) for a distribution p (zeros allowed). */
    public double threshold(float[] p) {
        double h = 0;
        for (float x : p) {
            if (x > 0f) {
                h -= x * Math.log(x);
            }
        }
        return Math.min(epsilon, delta * Math.exp(-h));
    }

    /** Whether token {@code x} is accepted under distribution {@code p}. */
    public boolean accepts(float[] p, int x) {
        return p[x] > threshold(p);
    }
}
