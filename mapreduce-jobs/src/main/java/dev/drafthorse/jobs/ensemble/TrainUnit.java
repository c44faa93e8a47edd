package dev.drafthorse.jobs.ensemble;

import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.io.SafeObjectInput;
import dev.drafthorse.ensemble.learner.Classifier;
import dev.drafthorse.ensemble.method.Stacking;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One unit of distributed training, the work of one reduce call: a bagging member, one stacking member on one fold
 * (fitted on the other folds, predicting this one), one stacking member refitted on all rows, or the whole boosting
 * run (sequential: each round fits the previous rounds' errors, so it is one unit in one task).
 *
 * <p>A unit's result is a pure function of the staged data, the parameters and the unit: every random stream is
 * derived from (seed, unit) exactly as local training derives it ({@code Bagging.trainMember},
 * {@code Stacking.trainFold}, {@code Stacking.refit}, {@code Boosting.train}), so a retried attempt writes the same
 * bytes, and the assembled model is the local one.
 *
 * @param kind   what to train
 * @param member member index (bagging member or stacking level-0 member; 0 for boosting)
 * @param fold   stacking fold, or -1
 */
record TrainUnit(Kind kind, int member, int fold) {
    enum Kind {
        MEMBER,
        FOLD,
        REFIT,
        BOOSTING
    }

    /** The units of a training run, in index order. */
    static List<TrainUnit> plan(EnsembleParams p, int stackingMembers) {
        List<TrainUnit> out = new ArrayList<>();
        switch (p.method()) {
            case BAGGING -> {
                for (int m = 0; m < p.baggingMembers(); m++) {
                    out.add(new TrainUnit(Kind.MEMBER, m, -1));
                }
            }
            case BOOSTING -> out.add(new TrainUnit(Kind.BOOSTING, 0, -1));
            case STACKING -> {
                for (int m = 0; m < stackingMembers; m++) {
                    for (int f = 0; f < p.stackingFolds(); f++) {
                        out.add(new TrainUnit(Kind.FOLD, m, f));
                    }
                    out.add(new TrainUnit(Kind.REFIT, m, -1));
                }
            }
        }
        return out;
    }

    /** The task-list line: {@code kind member fold}. */
    String line() {
        return kind.name().toLowerCase(Locale.ROOT) + "\t" + member + "\t" + fold;
    }

    static TrainUnit parse(String line) {
        String[] f = line.split("\t");
        if (f.length != 3) {
            throw new IllegalArgumentException("bad task line '" + line + "'");
        }
        return new TrainUnit(
                Kind.valueOf(f[0].toUpperCase(Locale.ROOT)), Integer.parseInt(f[1]), Integer.parseInt(f[2]));
    }

    @Override
    public String toString() {
        return switch (kind) {
            case MEMBER -> "bagging member " + member;
            case FOLD -> "stacking member " + member + " fold " + fold;
            case REFIT -> "stacking member " + member + " refit on all rows";
            case BOOSTING -> "boosting (sequential, one task)";
        };
    }

    // ---- results: a tag byte, then a serialized classifier or a fold's out-of-fold posteriors ----

    static byte[] classifier(Classifier c) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        buf.write('C');
        try (ObjectOutputStream o = SafeObjectInput.output(buf)) {
            o.writeObject(c);
        }
        return buf.toByteArray();
    }

    static byte[] fold(Stacking.FoldResult r) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(buf);
        d.write('F');
        d.writeInt(r.member());
        d.writeInt(r.fold());
        ints(d, r.trainedOn());
        ints(d, r.predicted());
        d.writeInt(r.posteriors().length);
        for (double[] post : r.posteriors()) {
            d.writeInt(post.length);
            for (double v : post) {
                d.writeLong(Double.doubleToRawLongBits(v));
            }
        }
        d.flush();
        return buf.toByteArray();
    }

    /** A classifier result, deserialized behind the model file's allow-list. */
    static Classifier readClassifier(byte[] b, String where) throws IOException {
        if (b.length == 0 || b[0] != 'C') {
            throw new IOException(where + ": not a classifier result");
        }
        SafeObjectInput.Filter filter = new SafeObjectInput.Filter(b.length - 1);
        // canonical shared values: the joint serialization of members read one by one is that of members trained
        // together
        try (ObjectInputStream in =
                SafeObjectInput.openCanonical(new ByteArrayInputStream(b, 1, b.length - 1), filter)) {
            Object o = in.readObject();
            if (!(o instanceof Classifier c)) {
                throw new IOException(where + ": result is a " + o.getClass().getName());
            }
            return c;
        } catch (InvalidClassException e) {
            throw new IOException(
                    where + ": result refused: " + (filter.refused() != null ? filter.refused() : e.getMessage()), e);
        } catch (ClassNotFoundException e) {
            throw new IOException(where + ": " + e, e);
        }
    }

    static Stacking.FoldResult readFold(byte[] b, String where) throws IOException {
        if (b.length == 0 || b[0] != 'F') {
            throw new IOException(where + ": not a fold result");
        }
        DataInputStream d = new DataInputStream(new ByteArrayInputStream(b, 1, b.length - 1));
        int member = d.readInt();
        int fold = d.readInt();
        int[] trainedOn = ints(d);
        int[] predicted = ints(d);
        double[][] post = new double[d.readInt()][];
        for (int i = 0; i < post.length; i++) {
            post[i] = new double[d.readInt()];
            for (int c = 0; c < post[i].length; c++) {
                post[i][c] = Double.longBitsToDouble(d.readLong());
            }
        }
        return new Stacking.FoldResult(member, fold, trainedOn, predicted, post);
    }

    private static void ints(DataOutputStream d, int[] a) throws IOException {
        d.writeInt(a.length);
        for (int v : a) {
            d.writeInt(v);
        }
    }

    private static int[] ints(DataInputStream d) throws IOException {
        int[] a = new int[d.readInt()];
        for (int i = 0; i < a.length; i++) {
            a[i] = d.readInt();
        }
        return a;
    }
}
