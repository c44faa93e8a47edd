package dev.drafthorse.archfixture.hadoop;

import org.apache.hadoop.archfixture.Planted;

/** A planted dependency on a Hadoop package that the architecture rules must report; see ArchitectureTest. */
public final class UsesHadoop {
    public Planted planted() {
        return new Planted();
    }
}
