package dev.drafthorse.ensemble;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every hyperparameter of every ensemble method, validated, under namespaced {@code ensemble.*} keys.
 *
 * <p>One record for all methods so that a model file, a job configuration and a command line carry the
 * same flat set of keys ({@link #toProperties()} writes them all, sorted, so the header of a model file is
 * a function of its parameters only). {@link #of(Properties)} rejects unknown {@code ensemble.*} keys and
 * out-of-range values by key name; nothing is clamped. Keys and defaults are listed in {@link Key}.
 *
 * <p>Determinism: {@code ensemble.seed} is the only source of randomness. Member {@code m} of a bagging
 * ensemble draws its sample and its trees' feature subsets from a stream seeded by
 * {@link dev.drafthorse.ensemble.method.Bagging#memberSeed(long, int)}, so a reducer can train member
 * {@code m} alone and get the same member as a local run.
 */
public record EnsembleParams(
        Method method,
        long seed,
        int baggingMembers,
        Sampling baggingSampling,
        BaseLearner baggingBase,
        Combine baggingCombine,
        int treeMaxDepth,
        int treeMaxNodes,
        int treeNodeSize,
        int treeMtry,
        double logisticLambda,
        double logisticTolerance,
        int logisticIterations,
        BoostingAlgorithm boostingAlgorithm,
        int boostingTrees,
        double boostingShrinkage,
        int boostingMaxDepth,
        int boostingMaxNodes,
        int boostingNodeSize,
        double boostingSamplingRate,
        int stackingFolds,
        List<StackingMember> stackingMembers,
        MetaLearner stackingMeta) {

    /** The three ways to combine. */
    public enum Method {
        BAGGING,
        BOOSTING,
        STACKING
    }

    /** How a bagging member weights the training rows. */
    public enum Sampling {
        /** n draws with replacement, stratified by class (as Smile's RandomForest does). */
        BOOTSTRAP,
        /** a Poisson(1) count per row, keyed by (seed, member, row id): one streaming pass, no n needed. */
        POISSON
    }

    /** Base learners that bagging and stacking can train. */
    public enum BaseLearner {
        TREE,
        LOGISTIC
    }

    /** How bagging members' outputs are combined. */
    public enum Combine {
        AVERAGE,
        VOTE
    }

    /** Smile's two boosting algorithms. */
    public enum BoostingAlgorithm {
        GRADIENT,
        ADABOOST
    }

    /** Level-1 learner of stacking. */
    public enum MetaLearner {
        LOGISTIC,
        TREE
    }

    /** Level-0 member kinds of stacking. */
    public enum StackingMember {
        /** one member per input source: its own probabilities when its candidates are the labels, else a
         *  logistic regression on that source's features alone. */
        SOURCES,
        /** one decision tree on all features. */
        TREE,
        /** one logistic regression on all features. */
        LOGISTIC,
        /** a bagging ensemble on all features (the {@code ensemble.bagging.*} keys). */
        BAGGING,
        /** a boosting ensemble on all features (the {@code ensemble.boosting.*} keys). */
        BOOSTING
    }

    /** The keys, each with its default and meaning. */
    public enum Key {
        METHOD("ensemble.method", "bagging", "bagging | boosting | stacking"),
        SEED("ensemble.seed", "42", "seed of every random draw (bootstrap, Poisson weights, feature subsets, folds)"),
        BAGGING_MEMBERS("ensemble.bagging.members", "50", "number of bagging members, 1..10000"),
        BAGGING_SAMPLING(
                "ensemble.bagging.sampling",
                "bootstrap",
                "bootstrap (stratified, n draws) | poisson (Poisson(1) weight per row)"),
        BAGGING_BASE("ensemble.bagging.base", "tree", "base learner: tree (with mtry, a random forest) | logistic"),
        BAGGING_COMBINE(
                "ensemble.bagging.combine",
                "average",
                "average (mean posterior) | vote (majority; probability = vote share)"),
        TREE_MAX_DEPTH("ensemble.tree.max_depth", "20", "maximum depth of a tree, 2..1000"),
        TREE_MAX_NODES(
                "ensemble.tree.max_nodes", "0", "maximum leaves of a tree; 0 = rows/5 (Smile's default), else >= 2"),
        TREE_NODE_SIZE("ensemble.tree.node_size", "5", "rows in a node below which it is not split, >= 1"),
        TREE_MTRY(
                "ensemble.tree.mtry",
                "0",
                "features tried at each split; 0 = floor(sqrt(p)) in bagging, p for a single tree"),
        LOGISTIC_LAMBDA(
                "ensemble.logistic.lambda", "0.1", "L2 penalty of logistic regression (features standardized), >= 0"),
        LOGISTIC_TOLERANCE("ensemble.logistic.tolerance", "1e-5", "BFGS convergence tolerance, > 0"),
        LOGISTIC_ITERATIONS("ensemble.logistic.iterations", "500", "BFGS iteration limit, >= 1"),
        BOOSTING_ALGORITHM(
                "ensemble.boosting.algorithm",
                "gradient",
                "gradient (Smile GradientTreeBoost) | adaboost (Smile AdaBoost)"),
        BOOSTING_TREES("ensemble.boosting.trees", "200", "boosting rounds, 1..100000"),
        BOOSTING_SHRINKAGE("ensemble.boosting.shrinkage", "0.05", "learning rate of gradient boosting, (0, 1]"),
        BOOSTING_MAX_DEPTH("ensemble.boosting.max_depth", "20", "maximum depth of a boosted tree, 2..1000"),
        BOOSTING_MAX_NODES("ensemble.boosting.max_nodes", "6", "maximum leaves of a boosted tree, >= 2"),
        BOOSTING_NODE_SIZE("ensemble.boosting.node_size", "5", "rows in a node below which it is not split, >= 1"),
        BOOSTING_SAMPLING_RATE(
                "ensemble.boosting.sampling_rate", "0.7", "row subsample per gradient boosting round, (0, 1]"),
        STACKING_FOLDS("ensemble.stacking.folds", "5", "stratified folds for out-of-fold level-1 data, 2..100"),
        STACKING_MEMBERS(
                "ensemble.stacking.members",
                "sources",
                "comma list of level-0 members: sources, tree, logistic, bagging, boosting"),
        STACKING_META("ensemble.stacking.meta", "logistic", "level-1 learner: logistic | tree");

        public final String key;
        public final String defaultValue;
        public final String description;

        Key(String key, String defaultValue, String description) {
            this.key = key;
            this.defaultValue = defaultValue;
            this.description = description;
        }

        /** The key named {@code name}, or {@code null}. */
        public static Key byName(String name) {
            for (Key k : values()) {
                if (k.key.equals(name)) {
                    return k;
                }
            }
            return null;
        }
    }

    /** The namespace of every key. */
    public static final String PREFIX = "ensemble.";

    public EnsembleParams {
        if (method == null) {
            throw new IllegalArgumentException(Key.METHOD.key + " must be set");
        }
        range(Key.BAGGING_MEMBERS, baggingMembers, 1, 10_000);
        range(Key.TREE_MAX_DEPTH, treeMaxDepth, 2, 1000);
        if (treeMaxNodes != 0 && treeMaxNodes < 2) {
            bad(Key.TREE_MAX_NODES, treeMaxNodes, "0 or >= 2");
        }
        range(Key.TREE_NODE_SIZE, treeNodeSize, 1, Integer.MAX_VALUE);
        range(Key.TREE_MTRY, treeMtry, 0, Integer.MAX_VALUE);
        if (!(logisticLambda >= 0) || Double.isInfinite(logisticLambda)) {
            bad(Key.LOGISTIC_LAMBDA, logisticLambda, "finite and >= 0");
        }
        if (!(logisticTolerance > 0) || Double.isInfinite(logisticTolerance)) {
            bad(Key.LOGISTIC_TOLERANCE, logisticTolerance, "finite and > 0");
        }
        range(Key.LOGISTIC_ITERATIONS, logisticIterations, 1, Integer.MAX_VALUE);
        range(Key.BOOSTING_TREES, boostingTrees, 1, 100_000);
        if (!(boostingShrinkage > 0 && boostingShrinkage <= 1)) {
            bad(Key.BOOSTING_SHRINKAGE, boostingShrinkage, "in (0, 1]");
        }
        range(Key.BOOSTING_MAX_DEPTH, boostingMaxDepth, 2, 1000);
        range(Key.BOOSTING_MAX_NODES, boostingMaxNodes, 2, Integer.MAX_VALUE);
        range(Key.BOOSTING_NODE_SIZE, boostingNodeSize, 1, Integer.MAX_VALUE);
        if (!(boostingSamplingRate > 0 && boostingSamplingRate <= 1)) {
            bad(Key.BOOSTING_SAMPLING_RATE, boostingSamplingRate, "in (0, 1]");
        }
        range(Key.STACKING_FOLDS, stackingFolds, 2, 100);
        if (stackingMembers == null || stackingMembers.isEmpty()) {
            bad(Key.STACKING_MEMBERS, stackingMembers, "at least one member kind");
        }
        stackingMembers = List.copyOf(stackingMembers);
        if (Set.copyOf(stackingMembers).size() != stackingMembers.size()) {
            bad(Key.STACKING_MEMBERS, stackingMembers, "no repeated kind");
        }
        for (Object o : new Object[] {baggingSampling, baggingBase, baggingCombine, boostingAlgorithm, stackingMeta}) {
            if (o == null) {
                throw new IllegalArgumentException("EnsembleParams: a null enum value");
            }
        }
    }

    /** All defaults. */
    public static EnsembleParams defaults() {
        return of(new Properties());
    }

    /**
     * Reads the {@code ensemble.*} keys of {@code props}; absent keys take their default. Keys outside the
     * namespace are ignored (a job configuration carries many); an unknown key inside it is an error, since
     * it is almost always a typo.
     *
     * @throws IllegalArgumentException naming the key and the value
     */
    public static EnsembleParams of(Properties props) {
        for (String name : props.stringPropertyNames()) {
            if (name.startsWith(PREFIX) && Key.byName(name) == null) {
                throw new IllegalArgumentException("unknown hyperparameter key '" + name + "'; known keys: "
                        + Arrays.stream(Key.values()).map(k -> k.key).toList());
            }
        }
        return new EnsembleParams(
                enumValue(props, Key.METHOD, Method.class),
                longValue(props, Key.SEED),
                intValue(props, Key.BAGGING_MEMBERS),
                enumValue(props, Key.BAGGING_SAMPLING, Sampling.class),
                enumValue(props, Key.BAGGING_BASE, BaseLearner.class),
                enumValue(props, Key.BAGGING_COMBINE, Combine.class),
                intValue(props, Key.TREE_MAX_DEPTH),
                intValue(props, Key.TREE_MAX_NODES),
                intValue(props, Key.TREE_NODE_SIZE),
                intValue(props, Key.TREE_MTRY),
                doubleValue(props, Key.LOGISTIC_LAMBDA),
                doubleValue(props, Key.LOGISTIC_TOLERANCE),
                intValue(props, Key.LOGISTIC_ITERATIONS),
                enumValue(props, Key.BOOSTING_ALGORITHM, BoostingAlgorithm.class),
                intValue(props, Key.BOOSTING_TREES),
                doubleValue(props, Key.BOOSTING_SHRINKAGE),
                intValue(props, Key.BOOSTING_MAX_DEPTH),
                intValue(props, Key.BOOSTING_MAX_NODES),
                intValue(props, Key.BOOSTING_NODE_SIZE),
                doubleValue(props, Key.BOOSTING_SAMPLING_RATE),
                intValue(props, Key.STACKING_FOLDS),
                enumList(props, Key.STACKING_MEMBERS, StackingMember.class),
                enumValue(props, Key.STACKING_META, MetaLearner.class));
    }

    /** Every key with its value, so that {@code of(toProperties())} equals this record. */
    public Properties toProperties() {
        Properties p = new Properties();
        asMap().forEach(p::setProperty);
        return p;
    }

    /** Every key with its value, sorted by key. */
    public TreeMap<String, String> asMap() {
        TreeMap<String, String> m = new TreeMap<>();
        m.put(Key.METHOD.key, lower(method));
        m.put(Key.SEED.key, Long.toString(seed));
        m.put(Key.BAGGING_MEMBERS.key, Integer.toString(baggingMembers));
        m.put(Key.BAGGING_SAMPLING.key, lower(baggingSampling));
        m.put(Key.BAGGING_BASE.key, lower(baggingBase));
        m.put(Key.BAGGING_COMBINE.key, lower(baggingCombine));
        m.put(Key.TREE_MAX_DEPTH.key, Integer.toString(treeMaxDepth));
        m.put(Key.TREE_MAX_NODES.key, Integer.toString(treeMaxNodes));
        m.put(Key.TREE_NODE_SIZE.key, Integer.toString(treeNodeSize));
        m.put(Key.TREE_MTRY.key, Integer.toString(treeMtry));
        m.put(Key.LOGISTIC_LAMBDA.key, Double.toString(logisticLambda));
        m.put(Key.LOGISTIC_TOLERANCE.key, Double.toString(logisticTolerance));
        m.put(Key.LOGISTIC_ITERATIONS.key, Integer.toString(logisticIterations));
        m.put(Key.BOOSTING_ALGORITHM.key, lower(boostingAlgorithm));
        m.put(Key.BOOSTING_TREES.key, Integer.toString(boostingTrees));
        m.put(Key.BOOSTING_SHRINKAGE.key, Double.toString(boostingShrinkage));
        m.put(Key.BOOSTING_MAX_DEPTH.key, Integer.toString(boostingMaxDepth));
        m.put(Key.BOOSTING_MAX_NODES.key, Integer.toString(boostingMaxNodes));
        m.put(Key.BOOSTING_NODE_SIZE.key, Integer.toString(boostingNodeSize));
        m.put(Key.BOOSTING_SAMPLING_RATE.key, Double.toString(boostingSamplingRate));
        m.put(Key.STACKING_FOLDS.key, Integer.toString(stackingFolds));
        m.put(
                Key.STACKING_MEMBERS.key,
                String.join(
                        ",", stackingMembers.stream().map(EnsembleParams::lower).toList()));
        m.put(Key.STACKING_META.key, lower(stackingMeta));
        return m;
    }

    /** A copy with one key changed (validated like {@link #of}). */
    public EnsembleParams with(String key, String value) {
        Properties p = toProperties();
        p.setProperty(key, value);
        return of(p);
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static String raw(Properties p, Key k) {
        return p.getProperty(k.key, k.defaultValue).trim();
    }

    private static int intValue(Properties p, Key k) {
        String v = raw(p, k);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "hyperparameter " + k.key + " = '" + v + "' is not an integer (" + k.description + ")");
        }
    }

    private static long longValue(Properties p, Key k) {
        String v = raw(p, k);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "hyperparameter " + k.key + " = '" + v + "' is not a 64-bit integer (" + k.description + ")");
        }
    }

    private static double doubleValue(Properties p, Key k) {
        String v = raw(p, k);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "hyperparameter " + k.key + " = '" + v + "' is not a number (" + k.description + ")");
        }
    }

    private static <E extends Enum<E>> E enumValue(Properties p, Key k, Class<E> type) {
        return parseEnum(k, raw(p, k), type);
    }

    private static <E extends Enum<E>> E parseEnum(Key k, String v, Class<E> type) {
        for (E e : EnumSet.allOf(type)) {
            if (e.name().equalsIgnoreCase(v)) {
                return e;
            }
        }
        throw new IllegalArgumentException("hyperparameter " + k.key + " = '" + v + "' is not one of "
                + EnumSet.allOf(type).stream().map(EnsembleParams::lower).toList());
    }

    private static <E extends Enum<E>> List<E> enumList(Properties p, Key k, Class<E> type) {
        List<E> out = new ArrayList<>();
        for (String part : raw(p, k).split(",")) {
            if (!part.isBlank()) {
                out.add(parseEnum(k, part.trim(), type));
            }
        }
        return out;
    }

    private static void range(Key k, long v, long lo, long hi) {
        if (v < lo || v > hi) {
            bad(k, v, hi == Integer.MAX_VALUE ? ">= " + lo : "in [" + lo + ", " + hi + "]");
        }
    }

    private static void bad(Key k, Object v, String expected) {
        throw new IllegalArgumentException(
                "hyperparameter " + k.key + " = " + v + " is out of range: expected " + expected);
    }
}
