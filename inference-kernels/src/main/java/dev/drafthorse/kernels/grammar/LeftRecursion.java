package dev.drafthorse.kernels.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * Refuses left-recursive grammars (a rule that can reach itself without consuming a character), as llama.cpp
 * does: the matcher expands rule references until a character is on top of every stack, which would never end.
 */
final class LeftRecursion {
    private LeftRecursion() {}

    static void check(Grammar g, String source) {
        int n = g.rules();
        boolean[] nullable = new boolean[n];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int r = 0; r < n; r++) {
                if (!nullable[r] && anyAltNullable(g, r, nullable)) {
                    nullable[r] = true;
                    changed = true;
                }
            }
        }
        List<List<Integer>> left = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            List<Integer> edges = new ArrayList<>();
            for (int p : g.alternatives(r)) {
                for (; !g.endOfSequence(p); p++) {
                    if (g.type[p] != Grammar.RULE_REF) {
                        break;
                    }
                    edges.add(g.value[p]);
                    if (!nullable[g.value[p]]) {
                        break;
                    }
                }
            }
            left.add(edges);
        }
        int[] state = new int[n]; // 0 unvisited, 1 on the path, 2 done
        for (int r = 0; r < n; r++) {
            dfs(r, left, state, g, source);
        }
    }

    private static void dfs(int r, List<List<Integer>> left, int[] state, Grammar g, String source) {
        if (state[r] == 2) {
            return;
        }
        if (state[r] == 1) {
            throw new GrammarException(source + ": rule '" + g.ruleNames.get(r).replaceAll("_\\d+$", "")
                    + "' is left-recursive (it can reach itself before matching any character)");
        }
        state[r] = 1;
        for (int s : left.get(r)) {
            dfs(s, left, state, g, source);
        }
        state[r] = 2;
    }

    private static boolean anyAltNullable(Grammar g, int r, boolean[] nullable) {
        for (int p : g.alternatives(r)) {
            boolean all = true;
            for (; !g.endOfSequence(p); p++) {
                if (g.type[p] != Grammar.RULE_REF || !nullable[g.value[p]]) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return true;
            }
        }
        return false;
    }
}
