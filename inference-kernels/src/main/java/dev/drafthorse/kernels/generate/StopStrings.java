package dev.drafthorse.kernels.generate;

import java.util.List;

/** Finding stop strings in generated text as it grows. */
final class StopStrings {
    private StopStrings() {}

    /**
     * The earliest index at which a stop string starts in {@code text}, looking only at matches that end
     * in the part appended since {@code from}; -1 if none.
     */
    static int find(CharSequence text, List<String> stops, int from) {
        int best = -1;
        String s = text.toString();
        for (String stop : stops) {
            int start = Math.max(0, from - stop.length() + 1);
            int i = s.indexOf(stop, start);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }
}
