package dev.drafthorse.ensemble.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.Ensembles;
import dev.drafthorse.ensemble.Synthetic;
import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.learner.Classifier;
import dev.drafthorse.ensemble.method.Bagging;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Members trained one by one elsewhere (serialized one stream each, as reduce tasks write them), read back through
 * {@link SafeObjectInput#openCanonical} and assembled, give the model file of members trained together; read with
 * the plain stream they do not (the back-references to shared values are lost), which is what makes the check able
 * to fail.
 */
class CanonicalInputTest {
    static final Dataset DATA = Synthetic.nonlinear(200, 4, 0.1, 3);

    interface Open {
        ObjectInputStream open(ByteArrayInputStream in, SafeObjectInput.Filter f) throws IOException;
    }

    static byte[] assembledFromSeparateStreams(EnsembleParams p, Open open) throws Exception {
        List<Classifier> members = new ArrayList<>();
        for (int m = 0; m < p.baggingMembers(); m++) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try (ObjectOutputStream o = SafeObjectInput.output(buf)) {
                o.writeObject(Bagging.trainMember(DATA, p, m));
            }
            try (ObjectInputStream in =
                    open.open(new ByteArrayInputStream(buf.toByteArray()), new SafeObjectInput.Filter(buf.size()))) {
                members.add((Classifier) in.readObject());
            }
        }
        return ModelFile.toBytes(Ensembles.finish(DATA, List.of(), p, Bagging.assemble(members, DATA, p)));
    }

    @Test
    void membersReadOneByOneReassembleToTheSameBytes() throws Exception {
        // 4 features: Smile's name -> index maps are small, where a map's table size after deserialization differs
        for (EnsembleParams p : List.of(
                EnsembleParams.defaults().with("ensemble.bagging.members", "5"),
                EnsembleParams.defaults()
                        .with("ensemble.bagging.members", "4")
                        .with("ensemble.bagging.base", "logistic"))) {
            byte[] together = ModelFile.toBytes(Ensembles.train(DATA, List.of(), p));
            assertArrayEquals(
                    together,
                    assembledFromSeparateStreams(p, SafeObjectInput::openCanonical),
                    p.asMap().toString());
            if (p.baggingBase() == EnsembleParams.BaseLearner.TREE) {
                // trees share Smile's data types and the response name; logistic members (whose IntSet is written as
                // plain ints) share nothing that a stream of their own would copy
                assertFalse(
                        java.util.Arrays.equals(together, assembledFromSeparateStreams(p, SafeObjectInput::open)),
                        "without canonical values the bytes differ (so the check above can fail)");
            }
        }
    }
}
