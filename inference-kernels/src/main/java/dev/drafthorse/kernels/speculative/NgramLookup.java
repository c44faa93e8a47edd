package dev.drafthorse.kernels.speculative;

/**
 * Prompt-lookup drafting: find the most recent earlier occurrence of the last n tokens of the context
 * (prompt and output so far) and propose the tokens that followed it. Longer suffixes are tried first
 * (n = ngram down to 1), since a longer match predicts the continuation better. No second model: it
 * pays off when outputs copy their input (extraction, rewriting, quoting).
 */
public final class NgramLookup {
    private NgramLookup() {}

    /**
     * @param context tokens [0, length) of the sequence, the last one included
     * @param ngram the longest suffix to match
     * @param max the most tokens to propose
     * @return the proposed continuation (possibly empty)
     */
    public static int[] propose(int[] context, int length, int ngram, int max) {
        for (int n = Math.min(ngram, length - 1); n >= 1; n--) {
            int suffix = length - n;
            // Scan backwards for the latest earlier start i < suffix with context[i..i+n) == suffix tokens.
            for (int i = suffix - 1; i >= 0; i--) {
                boolean match = true;
                for (int j = 0; j < n; j++) {
                    if (context[i + j] != context[suffix + j]) {
                        match = false;
                        break;
                    }
                }
                if (match) {
                    int from = i + n;
                    int count = Math.min(max, length - from);
                    if (count <= 0) {
                        continue;
                    }
                    int[] out = new int[count];
                    System.arraycopy(context, from, out, 0, count);
                    return out;
                }
            }
        }
        return new int[0];
    }
}
