package org.apache.hadoop.archfixture;

/**
 * Not Hadoop: a test-only class in a Hadoop package, so that ArchitectureTest can show its rule reports a
 * dependency on {@code org.apache.hadoop..} (Hadoop itself is not on this module's class path).
 */
public final class Planted {}
