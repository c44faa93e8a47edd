package dev.drafthorse.kernels.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.generate.Scorer;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Scoring by teacher forcing equals the log-softmax of the double-precision reference's logits. */
class ScorerTest {

    @Test
    void logprobsMatchTheReferenceTransformer() throws IOException {
        try (Parallel par = new Parallel(2)) {
            Model m = Model.load(SharedFiles.model("stories260K.gguf"), par);
            String prompt = "Once upon a time, there was a";
            List<String> cands = List.of(" little girl", " big dog named Max", " banana");
            List<Scorer.Score> scores = new Scorer(m).score(prompt, cands);
            int[] p = m.tokenizer().encode(prompt, true, true);
            for (int c = 0; c < cands.size(); c++) {
                int[] whole = m.tokenizer().encode(prompt + cands.get(c), true, true);
                double[][] ref = new ReferenceTransformer(m).logits(whole);
                int lcp = 0;
                while (lcp < p.length && p[lcp] == whole[lcp]) {
                    lcp++;
                }
                double expected = 0;
                for (int i = lcp; i < whole.length; i++) {
                    double[] row = ref[i - 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (double v : row) {
                        max = Math.max(max, v);
                    }
                    double sum = 0;
                    for (double v : row) {
                        sum += Math.exp(v - max);
                    }
                    expected += row[whole[i]] - max - Math.log(sum);
                }
                assertEquals(whole.length - lcp, scores.get(c).tokens().length);
                assertEquals(expected, scores.get(c).logprob(), 1e-3 * Math.max(1, Math.abs(expected)), cands.get(c));
            }
            assertTrue(scores.get(0).logprob() > scores.get(2).logprob());
        }
    }
}
