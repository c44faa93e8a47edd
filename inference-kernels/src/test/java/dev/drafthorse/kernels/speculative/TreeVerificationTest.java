package dev.drafthorse.kernels.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.model.KvCache;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.model.Step;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Candidate trees: the flattened one-pass tree equals evaluating every root-to-node path on its own, the
 * compacted cache of an accepted path continues exactly like a cache that only ever saw that path, and the
 * tree specs. The acceptance rules on hand-computed examples: {@link TreeAcceptanceTest},
 * {@link TypicalAcceptanceTest}.
 */
class TreeVerificationTest {
    static Parallel par;
    static Model stories;

    @BeforeAll
    static void load() throws IOException {
        par = new Parallel(2);
        stories = Model.load(SharedFiles.model("stories260K.gguf"), par);
    }

    @AfterAll
    static void close() {
        par.close();
    }

    private static int[] prompt() {
        return stories.tokenizer().encode("Once upon a time, there was a little girl", true, false);
    }

    private static CandidateTree randomTree(TreeSpec spec, int root, long seed) {
        Random r = new Random(seed);
        int v = stories.config().vocab();
        int[][] top = new int[spec.depth()][];
        for (int k = 0; k < top.length; k++) {
            top[k] = new int[spec.ranks()[k]];
            for (int i = 0; i < top[k].length; i++) {
                top[k][i] = 3 + r.nextInt(v - 3);
            }
        }
        return CandidateTree.build(root, spec, top, spec.depth());
    }

    /** Logits (V) after the causal sequence prefix + path, computed alone. */
    private static float[] alone(int[] prefix, int[] path) {
        KvCache c = stories.newCache(KvType.F32, prefix.length + path.length + 1);
        int[] all = Arrays.copyOf(prefix, prefix.length + path.length);
        System.arraycopy(path, 0, all, prefix.length, path.length);
        return stories.forwardLast(c, all);
    }

    private static int[] pathTokens(CandidateTree t, int node) {
        List<Integer> up = new ArrayList<>();
        for (int i = node; i >= 0; i = t.parent(i)) {
            up.add(0, t.token(i));
        }
        return up.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void aFlattenedTreeEqualsEveryPathEvaluatedAlone() {
        int[] p = prompt();
        int[] prefix = Arrays.copyOf(p, p.length - 1);
        int v = stories.config().vocab();
        for (String spec : new String[] {"3,2,1", "mc_sim_7b_63"}) {
            CandidateTree t = randomTree(TreeSpec.parse(spec), p[p.length - 1], spec.length());
            KvCache cache = stories.newCache(KvType.F32, prefix.length + t.size());
            stories.forward(List.of(Step.causal(cache, prefix, Step.Logits.NONE)));
            int base = cache.length();
            float[] logits = stories.forward(
                            List.of(new Step(cache, t.tokens(), t.positions(base), t.mask(base), Step.Logits.ALL)))[0];
            for (int node = 0; node < t.size(); node++) {
                float[] ref = alone(prefix, pathTokens(t, node));
                for (int i = 0; i < v; i++) {
                    assertEquals(
                            ref[i],
                            logits[node * v + i],
                            1e-4f * (1 + Math.abs(ref[i])),
                            spec + ": node " + node + ", token " + i);
                }
            }
        }
    }

    @Test
    void aCompactedAcceptedPathContinuesLikeACacheThatOnlySawIt() {
        int[] p = prompt();
        int[] prefix = Arrays.copyOf(p, p.length - 1);
        int v = stories.config().vocab();
        TreeSpec spec = TreeSpec.parse("3,3,2");
        CandidateTree t = randomTree(spec, p[p.length - 1], 9);
        for (int leaf : new int[] {t.size() - 1, 5, 7, 0}) {
            KvCache cache = stories.newCache(KvType.F32, prefix.length + t.size() + 4);
            stories.forward(List.of(Step.causal(cache, prefix, Step.Logits.NONE)));
            int base = cache.length();
            stories.forward(List.of(new Step(cache, t.tokens(), t.positions(base), t.mask(base), Step.Logits.NONE)));
            List<Integer> nodes = new ArrayList<>();
            for (int i = leaf; i >= 0; i = t.parent(i)) {
                nodes.add(0, i);
            }
            cache.compact(base, nodes.stream().mapToInt(Integer::intValue).toArray());
            assertEquals(base + nodes.size(), cache.length());
            int next = 42;
            float[] got = stories.forwardLast(cache, new int[] {next});
            int[] path = pathTokens(t, leaf);
            int[] withNext = Arrays.copyOf(path, path.length + 1);
            withNext[path.length] = next;
            float[] ref = alone(prefix, withNext);
            for (int i = 0; i < v; i++) {
                assertEquals(ref[i], got[i], 1e-4f * (1 + Math.abs(ref[i])), "leaf " + leaf + ", token " + i);
            }
        }
    }

    @Test
    void treeSpecsParseSortAndRefuseByName() {
        TreeSpec mc = TreeSpec.parse("mc_sim_7b_63");
        assertEquals(63, mc.size());
        assertEquals(4, mc.depth());
        assertArrayEquals(new int[] {10, 10, 10, 2}, mc.ranks());
        for (int i = 0; i < mc.size(); i++) {
            assertTrue(mc.parent(i) < i, "parents precede children");
            assertTrue(i == 0 || mc.depth(i) >= mc.depth(i - 1), "sorted by depth");
        }
        assertEquals(10, mc.sizeWithin(1));
        TreeSpec full = TreeSpec.parse("3,2,1");
        assertEquals(3 + 6 + 6, full.size());
        assertArrayEquals(new int[] {3, 2, 1}, full.ranks());
        TreeSpec explicit = TreeSpec.parse("[[0], [1], [0,0], [0,1], [0,0,0]]");
        assertEquals(5, explicit.size());
        assertEquals(3, explicit.depth());
        assertEquals(2, explicit.parent(4)); // [0,0,0] under [0,0]
        for (String bad : new String[] {"[[0],[1,0,0]]", "[[0],[0]]", "3,0", "wide", "[[0],[x]]", "2000"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TreeSpec.parse(bad), bad);
            assertTrue(e.getMessage().contains("tree"), e.getMessage());
        }
    }
}
