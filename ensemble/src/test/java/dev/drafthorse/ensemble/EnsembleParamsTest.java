package dev.drafthorse.ensemble;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class EnsembleParamsTest {
    @Test
    void defaultsAreDocumentedAndRoundTrip() {
        EnsembleParams d = EnsembleParams.defaults();
        assertEquals(EnsembleParams.Method.BAGGING, d.method());
        assertEquals(50, d.baggingMembers());
        assertEquals(5, d.stackingFolds());
        assertEquals(List.of(EnsembleParams.StackingMember.SOURCES), d.stackingMembers());
        assertEquals(d, EnsembleParams.of(d.toProperties()));
        for (EnsembleParams.Key k : EnsembleParams.Key.values()) {
            assertEquals(
                    k.defaultValue.toLowerCase(),
                    d.asMap().get(k.key).toLowerCase().replace("1.0e-5", "1e-5"),
                    k.key);
        }
        EnsembleParams custom =
                d.with("ensemble.stacking.members", "tree, boosting").with("ensemble.method", "STACKING");
        assertEquals(custom, EnsembleParams.of(custom.toProperties()));
        assertEquals("tree,boosting", custom.toProperties().getProperty("ensemble.stacking.members"));
    }

    static void rejects(String key, String value, String expected) {
        Properties p = new Properties();
        p.setProperty(key, value);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EnsembleParams.of(p));
        assertTrue(e.getMessage().contains(key), "names the key: " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), "'" + expected + "' in: " + e.getMessage());
    }

    @Test
    void badValuesFailByName() {
        rejects("ensemble.bagging.members", "0", "out of range");
        rejects("ensemble.bagging.members", "many", "'many' is not an integer");
        rejects("ensemble.stacking.folds", "1", "in [2, 100]");
        rejects("ensemble.boosting.shrinkage", "1.5", "in (0, 1]");
        rejects("ensemble.logistic.lambda", "-1", ">= 0");
        rejects("ensemble.logistic.lambda", "NaN", ">= 0");
        rejects("ensemble.method", "voting", "not one of [bagging, boosting, stacking]");
        rejects("ensemble.stacking.members", "tree,tree", "no repeated kind");
        rejects("ensemble.stacking.members", "", "at least one");
        rejects("ensemble.seed", "0x10", "not a 64-bit integer");
        rejects("ensemble.bagging.memebrs", "3", "unknown hyperparameter key");
    }

    @Test
    void keysOutsideTheNamespaceAreIgnored() {
        Properties p = new Properties();
        p.setProperty("mapreduce.job.reduces", "4");
        p.setProperty("smile.random_forest.trees", "7");
        assertEquals(EnsembleParams.defaults(), EnsembleParams.of(p));
    }
}
