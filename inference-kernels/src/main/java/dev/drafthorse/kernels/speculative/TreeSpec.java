package dev.drafthorse.kernels.speculative;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The static shape of a Medusa candidate tree: a list of paths, each a sequence of ranks. Path
 * (r_0, …, r_{m−1}) is the node at depth m whose token is the r_{m−1}-th most likely candidate of head
 * m − 1, below the node of path (r_0, …, r_{m−2}). The root above all of them (depth 0) is the target's own
 * next token; head k proposes the tokens of depth k + 1.
 *
 * <p>Specs: {@code mc_sim_7b_63} (Medusa's default sparse tree of 63 nodes, depth 4, top-10 per head,
 * from the Medusa repository's {@code medusa_choices.py}, Apache-2.0), a full tree as widths per depth
 * ({@code 3,2,1} = top 3 of head 0 × top 2 of head 1 × top 1 of head 2: 3 + 6 + 6 = 15 nodes), or explicit
 * paths ({@code [[0],[1],[0,0]]}). Nodes are kept sorted by depth, then by ranks, so a parent precedes its
 * children and the nodes of depth ≤ m are a prefix of the list.
 */
public final class TreeSpec {
    /** The name of Medusa's default tree. */
    public static final String MC_SIM_7B_63 = "mc_sim_7b_63";

    private static final int[][] MC_SIM_7B_63_PATHS = {
        {0},
        {0, 0},
        {1},
        {0, 1},
        {2},
        {0, 0, 0},
        {1, 0},
        {0, 2},
        {3},
        {0, 3},
        {4},
        {0, 4},
        {2, 0},
        {0, 5},
        {0, 0, 1},
        {5},
        {0, 6},
        {6},
        {0, 7},
        {0, 1, 0},
        {1, 1},
        {7},
        {0, 8},
        {0, 0, 2},
        {3, 0},
        {0, 9},
        {8},
        {9},
        {1, 0, 0},
        {0, 2, 0},
        {1, 2},
        {0, 0, 3},
        {4, 0},
        {2, 1},
        {0, 0, 4},
        {0, 0, 5},
        {0, 0, 0, 0},
        {0, 1, 1},
        {0, 0, 6},
        {0, 3, 0},
        {5, 0},
        {1, 3},
        {0, 0, 7},
        {0, 0, 8},
        {0, 0, 9},
        {6, 0},
        {0, 4, 0},
        {1, 4},
        {7, 0},
        {0, 1, 2},
        {2, 0, 0},
        {3, 1},
        {2, 2},
        {8, 0},
        {0, 5, 0},
        {1, 5},
        {1, 0, 1},
        {0, 2, 1},
        {9, 0},
        {0, 6, 0},
        {0, 0, 0, 1},
        {1, 6},
        {0, 7, 0}
    };

    /** Most nodes a tree may have (each is a position of the verification pass). */
    public static final int MAX_NODES = 1024;

    private final String name;
    private final int[][] paths; // (nodes) ranks from depth 1 down to the node
    private final int[] parent; // (nodes) index of the parent node, -1 below the root
    private final int[] ranks; // (depth) candidates needed from head k: 1 + the largest rank at depth k + 1

    private TreeSpec(String name, int[][] paths) {
        this.name = name;
        int[][] sorted = paths.clone();
        Arrays.sort(sorted, Comparator.<int[]>comparingInt(p -> p.length).thenComparing(Arrays::compare));
        this.paths = sorted;
        this.parent = new int[sorted.length];
        int maxDepth = sorted.length == 0 ? 0 : sorted[sorted.length - 1].length;
        this.ranks = new int[maxDepth];
        java.util.Map<String, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < sorted.length; i++) {
            int[] p = sorted[i];
            index.put(Arrays.toString(p), i);
            if (p.length == 1) {
                parent[i] = -1;
            } else {
                Integer up = index.get(Arrays.toString(Arrays.copyOf(p, p.length - 1)));
                if (up == null) {
                    throw new IllegalArgumentException("tree: path " + Arrays.toString(p) + " has no parent path "
                            + Arrays.toString(Arrays.copyOf(p, p.length - 1)));
                }
                parent[i] = up;
            }
            ranks[p.length - 1] = Math.max(ranks[p.length - 1], p[p.length - 1] + 1);
        }
    }

    /** Medusa's default sparse tree (63 nodes, depth 4). */
    public static TreeSpec mcSim7b63() {
        return new TreeSpec(MC_SIM_7B_63, MC_SIM_7B_63_PATHS);
    }

    /**
     * Parses a spec: {@code mc_sim_7b_63}, widths per depth ({@code 3,2,1}), or explicit paths
     * ({@code [[0],[0,0],[1]]}).
     *
     * @throws IllegalArgumentException naming the problem (a path without its parent, a duplicate, a
     *     negative rank, too many nodes, or unreadable text)
     */
    public static TreeSpec parse(String spec) {
        String s = spec.strip();
        if (s.equals(MC_SIM_7B_63)) {
            return mcSim7b63();
        }
        if (s.startsWith("[")) {
            return of(s, parsePaths(s));
        }
        String[] parts = s.split(",");
        int[] widths = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                widths[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("tree must be " + MC_SIM_7B_63
                        + ", widths per depth like 3,2,1, or paths like" + " [[0],[0,0],[1]]; got '" + spec + "'");
            }
            if (widths[i] < 1) {
                throw new IllegalArgumentException(
                        "tree: width " + widths[i] + " at depth " + (i + 1) + " must be >= 1");
            }
        }
        return full(widths);
    }

    /** A full tree: every node at depth k has {@code widths[k]} children (the top widths[k] of head k). */
    public static TreeSpec full(int... widths) {
        List<int[]> paths = new ArrayList<>();
        List<int[]> level = new ArrayList<>();
        level.add(new int[0]);
        long count = 0;
        for (int w : widths) {
            count = count * w + w;
            if (w < 1 || count > MAX_NODES) {
                throw new IllegalArgumentException("tree " + Arrays.toString(widths)
                        + ": widths must be >= 1 and the tree at most " + MAX_NODES + " nodes");
            }
            List<int[]> next = new ArrayList<>();
            for (int[] p : level) {
                for (int r = 0; r < w; r++) {
                    int[] c = Arrays.copyOf(p, p.length + 1);
                    c[p.length] = r;
                    next.add(c);
                }
            }
            paths.addAll(next);
            level = next;
        }
        StringBuilder name = new StringBuilder();
        for (int w : widths) {
            name.append(name.length() == 0 ? "" : ",").append(w);
        }
        return of(name.toString(), paths.toArray(new int[0][]));
    }

    /** A tree of the given paths. */
    public static TreeSpec of(String name, int[][] paths) {
        if (paths.length == 0) {
            throw new IllegalArgumentException("tree '" + name + "' has no nodes");
        }
        if (paths.length > MAX_NODES) {
            throw new IllegalArgumentException(
                    "tree '" + name + "' has " + paths.length + " nodes, at most " + MAX_NODES);
        }
        Set<String> seen = new HashSet<>();
        for (int[] p : paths) {
            if (p.length == 0) {
                throw new IllegalArgumentException("tree '" + name + "': an empty path (the root is implicit)");
            }
            for (int r : p) {
                if (r < 0 || r >= 1000) {
                    throw new IllegalArgumentException(
                            "tree '" + name + "': rank " + r + " in " + Arrays.toString(p) + " must be in [0, 1000)");
                }
            }
            if (!seen.add(Arrays.toString(p))) {
                throw new IllegalArgumentException("tree '" + name + "': duplicate path " + Arrays.toString(p));
            }
        }
        return new TreeSpec(name, paths);
    }

    private static int[][] parsePaths(String s) {
        String body = s.replaceAll("\\s", "");
        if (!body.matches("\\[(\\[\\d+(,\\d+)*\\](,\\[\\d+(,\\d+)*\\])*)?\\]")) {
            throw new IllegalArgumentException("tree paths must look like [[0],[0,0],[1]], got '" + s + "'");
        }
        List<int[]> out = new ArrayList<>();
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("\\[(\\d+(?:,\\d+)*)\\]").matcher(body.substring(1, body.length() - 1));
        while (m.find()) {
            out.add(Arrays.stream(m.group(1).split(","))
                    .mapToInt(Integer::parseInt)
                    .toArray());
        }
        return out.toArray(new int[0][]);
    }

    public String name() {
        return name;
    }

    /** Nodes below the root. */
    public int size() {
        return paths.length;
    }

    /** The deepest node's depth: the heads the tree needs. */
    public int depth() {
        return ranks.length;
    }

    /** Nodes of depth at most {@code maxDepth} (a prefix of the node list). */
    public int sizeWithin(int maxDepth) {
        int n = 0;
        while (n < paths.length && paths[n].length <= maxDepth) {
            n++;
        }
        return n;
    }

    /** The same tree without its nodes deeper than {@code maxDepth} (e.g. the default tree for fewer heads). */
    public TreeSpec within(int maxDepth) {
        if (maxDepth < 1) {
            throw new IllegalArgumentException("tree depth must be >= 1, got " + maxDepth);
        }
        if (maxDepth >= depth()) {
            return this;
        }
        return new TreeSpec(name + " (depth " + maxDepth + ")", Arrays.copyOf(paths, sizeWithin(maxDepth)));
    }

    /** Candidates needed from each head: {@code ranks()[k]} = 1 + the largest rank at depth k + 1. */
    public int[] ranks() {
        return ranks.clone();
    }

    /** Parent node of node i, or -1 for a child of the root. */
    public int parent(int i) {
        return parent[i];
    }

    /** Depth of node i (1 for the root's children). */
    public int depth(int i) {
        return paths[i].length;
    }

    /** Rank of node i's token among its head's candidates. */
    public int rank(int i) {
        return paths[i][paths[i].length - 1];
    }

    @Override
    public String toString() {
        return name + " (" + size() + " nodes, depth " + depth() + ")";
    }
}
