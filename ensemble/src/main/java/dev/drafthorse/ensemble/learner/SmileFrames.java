package dev.drafthorse.ensemble.learner;

import smile.data.DataFrame;
import smile.data.formula.Formula;
import smile.data.vector.IntVector;

/**
 * Dense arrays to Smile data frames. Columns are named {@code x0…} (our feature names can hold any
 * character, Smile's formulas cannot), and the response {@code y}.
 */
final class SmileFrames {
    static final Formula FORMULA = Formula.lhs("y");

    private SmileFrames() {}

    static String[] names(int p) {
        String[] n = new String[p];
        for (int j = 0; j < p; j++) {
            n[j] = "x" + j;
        }
        return n;
    }

    /** Features only. */
    static DataFrame of(double[][] x) {
        return DataFrame.of(x, names(x[0].length));
    }

    /** Features and the response {@code y}. */
    static DataFrame of(double[][] x, int[] y) {
        return of(x).merge(IntVector.of("y", y));
    }
}
