package dev.drafthorse.kernels.attention;

import static dev.drafthorse.kernels.attention.TiledAttentionTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AttentionMaskTest {
    @Test
    void causalSeesEverythingUpToItsOwnPosition() {
        AttentionMask m = AttentionMask.causal(10);
        assertTrue(m.causal());
        assertEquals(11, m.limit(0));
        assertEquals(15, m.limit(4));
        assertTrue(m.visible(4, 14));
        assertFalse(m.visible(4, 15));
        assertMessage("firstPosition", () -> AttentionMask.causal(-1));
        assertMessage("query", () -> m.limit(-1));
    }

    @Test
    void treeVisibilityIsPrefixPlusAncestorsAndSelf() {
        Random rnd = new Random(9);
        for (int trial = 0; trial < 50; trial++) {
            int prefix = rnd.nextInt(5);
            int n = 1 + rnd.nextInt(40);
            int[] parent = Fixtures.randomTree(n, rnd);
            AttentionMask m = AttentionMask.tree(prefix, parent);
            for (int i = 0; i < n; i++) {
                assertEquals(prefix + i + 1, m.limit(i));
                for (int key = 0; key < prefix + i + 1; key++) {
                    boolean expected = key < prefix || isAncestorOrSelf(parent, key - prefix, i);
                    assertEquals(expected, m.visible(i, key), "node " + i + " key " + key);
                }
            }
        }
    }

    private static boolean isAncestorOrSelf(int[] parent, int a, int node) {
        for (int x = node; x >= 0; x = parent[x]) {
            if (x == a) {
                return true;
            }
        }
        return false;
    }

    @Test
    void treeCausalOnlyForASingleChain() {
        assertTrue(AttentionMask.tree(3, new int[] {-1, 0, 1, 2}).causal());
        assertTrue(AttentionMask.tree(0, new int[0]).causal());
        assertFalse(AttentionMask.tree(3, new int[] {-1, 0, 0}).causal());
        assertFalse(AttentionMask.tree(3, new int[] {-1, -1}).causal());
        // A deep chain: the numbering is iterative, no stack overflow.
        int[] deep = new int[200_000];
        for (int i = 0; i < deep.length; i++) {
            deep[i] = i - 1;
        }
        AttentionMask m = AttentionMask.tree(0, deep);
        assertTrue(m.visible(199_999, 0));
    }

    @Test
    void treeValidationNamesTheNode() {
        assertMessage("node 2", () -> AttentionMask.tree(0, new int[] {-1, 0, 2}));
        assertMessage("node 1", () -> AttentionMask.tree(0, new int[] {-1, 5, 0}));
        assertMessage("node 0", () -> AttentionMask.tree(0, new int[] {-2}));
        assertMessage("prefixLength", () -> AttentionMask.tree(-1, new int[] {-1}));
        assertMessage("parent", () -> AttentionMask.tree(0, null));
        assertMessage("query", () -> AttentionMask.tree(0, new int[] {-1}).limit(1));
    }

    @Test
    void customMaskCopiesLimitsAndValidates() {
        int[] limits = {3, 0, 5};
        AttentionMask m = AttentionMask.of(limits, (q, k) -> (q + k) % 2 == 0);
        limits[0] = 100;
        assertEquals(3, m.limit(0));
        assertFalse(m.causal());
        assertTrue(m.visible(1, 1));
        assertFalse(m.visible(1, 2));
        assertMessage("limits[1]", () -> AttentionMask.of(new int[] {1, -1}, (q, k) -> true));
        assertMessage("limits", () -> AttentionMask.of(null, (q, k) -> true));
        assertMessage("visible", () -> AttentionMask.of(new int[] {1}, null));
        assertMessage("query", () -> m.limit(3));
    }
}
