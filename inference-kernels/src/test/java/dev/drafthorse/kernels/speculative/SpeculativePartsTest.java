package dev.drafthorse.kernels.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SpeculativePartsTest {

    @Test
    void lookupProposesWhatFollowedTheLatestLongestMatch() {
        int[] ctx = {5, 6, 7, 8, 9, 1, 5, 6, 7, 2, 3, 5, 6, 7};
        // suffix 5 6 7 last occurred at index 6 (followed by 2 3 5 ...), before that at 0 (followed by 8 9)
        assertArrayEquals(new int[] {2, 3, 5}, NgramLookup.propose(ctx, ctx.length, 3, 3));
        assertArrayEquals(new int[] {2, 3, 5, 6, 7}, NgramLookup.propose(ctx, ctx.length, 3, 10));
        // no earlier occurrence of 4: nothing
        assertArrayEquals(new int[0], NgramLookup.propose(new int[] {1, 2, 3, 4}, 4, 3, 5));
        // falls back to shorter suffixes: "9 7" never occurred, "7" did (followed by 8)
        assertArrayEquals(new int[] {8, 9}, NgramLookup.propose(new int[] {7, 8, 9, 9, 7}, 5, 2, 2));
    }

    @Test
    void draftLengthFollowsAcceptanceAndCost() {
        DraftLength good = new DraftLength(8, 0.9, 0.02);
        assertEquals(8, good.next(), "high acceptance, cheap drafts: the longest draft");
        DraftLength costly = new DraftLength(8, 0.9, 2.0);
        for (int i = 0; i < DraftLength.PROBE_EVERY - 1; i++) {
            assertEquals(0, costly.next(), "drafts dearer than target passes never pay");
        }
        assertEquals(1, costly.next(), "but it probes now and then");
        DraftLength learning = new DraftLength(8, 0.9, 0.05);
        for (int i = 0; i < 40; i++) {
            learning.observe(learning.next() == 0 ? 1 : 4, 0);
        }
        assertTrue(learning.alpha() < 0.05, "alpha " + learning.alpha());
        assertEquals(0, learning.next(), "nothing accepted: back to plain decoding");
        for (int i = 0; i < 40; i++) {
            learning.observe(4, 4);
        }
        assertTrue(learning.next() >= 4, "all accepted: long drafts again");
    }

    @Test
    void optionsAreValidatedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Speculation.draft(0))
                .getMessage()
                .contains("draft-max"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Speculation.lookup(4, 0))
                .getMessage()
                .contains("lookup-ngram"));
    }
}
