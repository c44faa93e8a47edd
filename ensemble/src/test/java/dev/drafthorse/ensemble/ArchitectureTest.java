package dev.drafthorse.ensemble;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The ensemble module imports nothing from Hadoop or Hive: the jobs and the UDF depend on it, never the
 * reverse. Checked on the compiled classes (ArchUnit, which also sees fully qualified names), on the sources
 * (which also see unused imports), and on the class path; the class rule is also run over a planted violation
 * to show it reports one.
 */
class ArchitectureTest {
    /** No class under {@code root} depends on Hadoop or Hive. */
    static ArchRule noHadoopOrHive(String root) {
        return noClasses()
                .that()
                .resideInAPackage(root + "..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.hadoop..", "org.apache.hive..");
    }

    @Test
    void noHadoopOrHiveInTheClasses() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.drafthorse.ensemble");
        assertTrue(classes.size() > 20, "the ensemble's main classes were imported: " + classes.size());
        noHadoopOrHive("dev.drafthorse.ensemble").check(classes);
    }

    @Test
    void theRuleReportsAPlantedViolation() {
        JavaClasses fixture =
                new ClassFileImporter().importPackages("dev.drafthorse.archfixture", "org.apache.hadoop.archfixture");
        EvaluationResult result = noHadoopOrHive("dev.drafthorse.archfixture").evaluate(fixture);
        assertTrue(result.hasViolation(), "the planted Hadoop dependency is reported");
        String details = String.join("\n", result.getFailureReport().getDetails());
        assertTrue(
                details.contains("UsesHadoop") && details.contains("org.apache.hadoop.archfixture.Planted"), details);
    }

    @Test
    void noHadoopOrHiveInTheSourcesOrOnTheClassPath() throws IOException {
        Path main = Path.of("src/main/java");
        assertTrue(Files.isDirectory(main), "run from the module directory");
        List<String> offenders;
        try (Stream<Path> files = Files.walk(main)) {
            offenders = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> {
                        try {
                            String s = Files.readString(p);
                            return s.contains("org.apache.hadoop")
                                    || s.contains("org.apache.hive")
                                    || s.contains("org.apache.hadoop.hive");
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .map(Path::toString)
                    .toList();
        }
        assertEquals(List.of(), offenders);
        assertThrows(
                ClassNotFoundException.class,
                () -> Class.forName("org.apache.hadoop.conf.Configuration"),
                "Hadoop is not on the class path");
    }
}
