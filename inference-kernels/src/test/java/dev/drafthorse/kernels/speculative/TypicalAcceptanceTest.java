package dev.drafthorse.kernels.speculative;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Medusa's typical acceptance (not distribution-preserving, its documented exception) on hand-computed cases. */
class TypicalAcceptanceTest {
    @Test
    void typicalAcceptanceMatchesAHandComputedExample() {
        // p = (0.3, 0.3, 0.25, 0.07, 0.01 × 8): H = −Σ p ln p = 0.72238 + 0.34657 + 0.18615 + 0.36841 = 1.62352 nats,
        // exp(−H) = 0.19720, δ·exp(−H) = 0.3 × 0.19720 = 0.05916 < ε = 0.09, so the threshold is 0.05916.
        float[] p = {0.3f, 0.3f, 0.25f, 0.07f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f};
        TypicalAcceptance rule = TypicalAcceptance.DEFAULT;
        assertEquals(0.05916, rule.threshold(p), 1e-5);
        assertTrue(rule.accepts(p, 3), "0.07 > 0.05916 although below epsilon");
        assertTrue(!rule.accepts(p, 4), "0.01 < 0.05916");
        // A confident p = (0.5, 0.3, 0.2): H = 1.02965, δ·exp(−H) = 0.10714 > ε, so ε = 0.09 binds.
        assertEquals(0.09, rule.threshold(new float[] {0.5f, 0.3f, 0.2f}), 1e-6);
        assertEquals(0.05, new TypicalAcceptance(0.05, 0.3).threshold(p), 1e-9);
        assertEquals(new TypicalAcceptance(0.1, 0.2), TypicalAcceptance.parse("0.1, 0.2"));
        assertThrows(IllegalArgumentException.class, () -> TypicalAcceptance.parse("0.1"));
        assertThrows(IllegalArgumentException.class, () -> new TypicalAcceptance(0, 0.3));
        assertThrows(IllegalArgumentException.class, () -> new TypicalAcceptance(0.09, -1));
    }
}
