package dev.drafthorse.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.tensor.Simd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The newer-JDK test run (the {@code newer-jdk} profile of this module's pom) really runs on that JDK and on
 * the vector path: the Java 17 bytecode, unchanged, on a JDK whose Vector API has moved on (JDK 20 removed
 * the {@code fromByteArray} loads the old kernels used). Skipped in the other runs.
 */
class NewerJdkTest {
    @Test
    @EnabledIfSystemProperty(named = "drafthorse.expect.jdk", matches = "\\d+")
    void runsOnTheExpectedJdkWithTheVectorPath() {
        int expected = Integer.parseInt(System.getProperty("drafthorse.expect.jdk"));
        assertEquals(expected, Runtime.version().feature(), "java.home " + System.getProperty("java.home"));
        assertTrue(Simd.ENABLED, "vector path on JDK " + Runtime.version() + ": " + Simd.describe());
        assertTrue(Simd.describe().startsWith("vector"), Simd.describe());
    }
}
