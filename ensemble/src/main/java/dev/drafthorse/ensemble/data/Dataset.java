package dev.drafthorse.ensemble.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Labeled rows ready for learning: {@code x (n, p)}, class codes {@code y (n)} indexing {@code classes}.
 *
 * <p>Classes are the sorted distinct labels; for two classes the second is the positive one (so {@code 1}
 * over {@code 0}, {@code true} over {@code false}, {@code positive} over {@code negative}, {@code yes} over
 * {@code no}).
 *
 * @param ids          row ids (n)
 * @param featureNames column names (p)
 * @param x            features (n, p)
 * @param y            class codes (n), in {@code [0, classes.size())}
 * @param classes      the label set, sorted
 * @param unlabeled    feature rows that had no label and were left out
 * @param unmatchedLabels labels whose id had no feature row
 */
public record Dataset(
        List<String> ids,
        List<String> featureNames,
        double[][] x,
        int[] y,
        List<String> classes,
        int unlabeled,
        int unmatchedLabels) {

    public Dataset {
        if (x.length != y.length || ids.size() != y.length) {
            throw new IllegalArgumentException(
                    "ids, x and y disagree in length: " + ids.size() + ", " + x.length + ", " + y.length);
        }
        for (int c : y) {
            if (c < 0 || c >= classes.size()) {
                throw new IllegalArgumentException("class code " + c + " outside [0, " + classes.size() + ")");
            }
        }
        ids = List.copyOf(ids);
        featureNames = List.copyOf(featureNames);
        classes = List.copyOf(classes);
    }

    /** Unnamed data, for tests and callers that bring arrays: ids {@code r0…}, features {@code f0…}. */
    public static Dataset of(double[][] x, int[] y, int k) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            ids.add("r" + i);
        }
        List<String> names = new ArrayList<>();
        for (int j = 0; j < (x.length == 0 ? 0 : x[0].length); j++) {
            names.add("f" + j);
        }
        List<String> classes = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            classes.add(Integer.toString(c));
        }
        return new Dataset(ids, names, x, y, classes, 0, 0);
    }

    /**
     * Joins features with labels; rows without a label are counted in {@link #unlabeled()}.
     *
     * @throws IllegalArgumentException when fewer than two classes or no labeled row remain
     */
    public static Dataset of(FeatureTable features, Labels labels) {
        TreeSet<String> cls = new TreeSet<>();
        for (String id : features.ids()) {
            String l = labels.get(id);
            if (l != null) {
                cls.add(l);
            }
        }
        Dataset d = of(features, labels, List.copyOf(cls));
        if (d.classes.size() < 2) {
            throw new IllegalArgumentException("labeled rows carry " + d.classes.size() + " distinct label(s) "
                    + d.classes + "; a classifier needs at least 2 (" + d.size() + " labeled rows, " + d.unlabeled
                    + " unlabeled)");
        }
        return d;
    }

    /** Joins features with labels over a given class list; a label outside it is an error naming the row. */
    public static Dataset of(FeatureTable features, Labels labels, List<String> classes) {
        List<String> ids = new ArrayList<>();
        List<double[]> x = new ArrayList<>();
        List<Integer> y = new ArrayList<>();
        int unlabeled = 0;
        for (int i = 0; i < features.size(); i++) {
            String id = features.ids().get(i);
            String l = labels.get(id);
            if (l == null) {
                unlabeled++;
                continue;
            }
            int c = classes.indexOf(l);
            if (c < 0) {
                throw new IllegalArgumentException(
                        "row '" + id + "' has label '" + l + "', not one of the model's classes " + classes);
            }
            ids.add(id);
            x.add(features.rows()[i]);
            y.add(c);
        }
        int unmatched = 0;
        for (String id : labels.asMap().keySet()) {
            if (features.indexOf(id) < 0) {
                unmatched++;
            }
        }
        return new Dataset(
                ids,
                features.featureNames(),
                x.toArray(new double[0][]),
                y.stream().mapToInt(Integer::intValue).toArray(),
                classes,
                unlabeled,
                unmatched);
    }

    public int size() {
        return y.length;
    }

    public int width() {
        return featureNames.size();
    }

    public int numClasses() {
        return classes.size();
    }

    /** Rows per class. */
    public int[] classCounts() {
        int[] c = new int[classes.size()];
        for (int v : y) {
            c[v]++;
        }
        return c;
    }

    /** The rows at {@code which}, in that order (counts of unlabeled rows are not carried over). */
    public Dataset subset(int[] which) {
        List<String> subIds = new ArrayList<>(which.length);
        double[][] sx = new double[which.length][];
        int[] sy = new int[which.length];
        for (int i = 0; i < which.length; i++) {
            subIds.add(ids.get(which[i]));
            sx[i] = x[which[i]];
            sy[i] = y[which[i]];
        }
        return new Dataset(subIds, featureNames, sx, sy, classes, 0, 0);
    }

    /** The columns at {@code cols}. */
    public Dataset columns(int[] cols) {
        double[][] sx = new double[x.length][cols.length];
        List<String> names = new ArrayList<>();
        for (int c : cols) {
            names.add(featureNames.get(c));
        }
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < cols.length; j++) {
                sx[i][j] = x[i][cols[j]];
            }
        }
        return new Dataset(ids, names, sx, y, classes, unlabeled, unmatchedLabels);
    }

    /**
     * A stratified split: within each class, a seeded shuffle sends {@code round(fraction * count)} rows to
     * the second part. Rows keep their original order inside each part.
     *
     * @return {train, heldOut}
     */
    public Dataset[] split(double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("held-out fraction " + fraction + " is not in (0, 1)");
        }
        boolean[] held = new boolean[size()];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int c = 0; c < numClasses(); c++) {
            int[] members = classRows(c);
            shuffle(members, rng);
            int h = (int) Math.round(fraction * members.length);
            for (int i = 0; i < h; i++) {
                held[members[i]] = true;
            }
        }
        int[] a = java.util.stream.IntStream.range(0, size())
                .filter(i -> !held[i])
                .toArray();
        int[] b =
                java.util.stream.IntStream.range(0, size()).filter(i -> held[i]).toArray();
        return new Dataset[] {subset(a), subset(b)};
    }

    /** Row indices of class {@code c}, ascending. */
    public int[] classRows(int c) {
        return java.util.stream.IntStream.range(0, size())
                .filter(i -> y[i] == c)
                .toArray();
    }

    /** Fisher–Yates with the given stream. */
    public static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    @Override
    public String toString() {
        return "Dataset[" + size() + " rows × " + width() + " features, classes " + classes + " "
                + Arrays.toString(classCounts()) + "]";
    }
}
