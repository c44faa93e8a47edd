package dev.drafthorse.ensemble.method;

import dev.drafthorse.ensemble.learner.Classifier;
import java.util.List;

/** Level-0 members refitted on all rows, and the level-1 learner fitted on their out-of-fold outputs. */
public final class StackingModel implements Classifier {
    private static final long serialVersionUID = 1L;
    private final Classifier[] members;
    private final String[] names;
    private final Classifier meta;

    StackingModel(List<Classifier> members, List<String> names, Classifier meta) {
        this.members = members.toArray(new Classifier[0]);
        this.names = names.toArray(new String[0]);
        this.meta = meta;
    }

    @Override
    public int numClasses() {
        return meta.numClasses();
    }

    @Override
    public void posterior(double[] x, double[] out) {
        double[][] post = new double[members.length][];
        for (int m = 0; m < members.length; m++) {
            post[m] = members[m].posterior(x);
        }
        meta.posterior(Stacking.level1(post, null), out);
    }

    /** The members refitted on all rows, named. */
    public List<Classifier> members() {
        return List.of(members);
    }

    public List<String> memberNames() {
        return List.of(names);
    }

    public Classifier meta() {
        return meta;
    }
}
