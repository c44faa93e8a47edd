package dev.drafthorse.kernels;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

/**
 * The kernels' architecture, checked on the compiled classes: no package cycles (each package is one stage of
 * the pipeline, and dependencies point one way: see the README's package table), and nothing from Hadoop or
 * Hive. Each rule is also run over a planted violation (test-only classes under {@code dev.drafthorse.archfixture})
 * to show it reports one.
 */
class ArchitectureTest {
    private static final String KERNELS = "dev.drafthorse.kernels";
    private static final String FIXTURE = "dev.drafthorse.archfixture";

    /** No cycle between the packages directly under {@code root} (sub-packages count as their parent). */
    static ArchRule noPackageCycles(String root) {
        return slices().matching(root + ".(*)..").should().beFreeOfCycles();
    }

    /** No class under {@code root} depends on Hadoop or Hive. */
    static ArchRule noHadoopOrHive(String root) {
        return noClasses()
                .that()
                .resideInAPackage(root + "..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.hadoop..", "org.apache.hive..");
    }

    private static JavaClasses kernels() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(KERNELS);
        assertTrue(classes.size() > 100, "the kernels' main classes were imported: " + classes.size());
        return classes;
    }

    @Test
    void theKernelsHaveNoPackageCycles() {
        noPackageCycles(KERNELS).check(kernels());
    }

    @Test
    void theKernelsImportNothingFromHadoopOrHive() {
        noHadoopOrHive(KERNELS).check(kernels());
    }

    @Test
    void theRulesReportPlantedViolations() {
        JavaClasses fixture = new ClassFileImporter().importPackages(FIXTURE, "org.apache.hadoop.archfixture");
        EvaluationResult cycles = noPackageCycles(FIXTURE + ".cycle").evaluate(fixture);
        assertTrue(cycles.hasViolation(), "the planted cycle a -> b -> a is reported");
        String report = String.join("\n", cycles.getFailureReport().getDetails());
        assertTrue(report.contains("Alpha") && report.contains("Beta"), report);

        EvaluationResult hadoop = noHadoopOrHive(FIXTURE).evaluate(fixture);
        assertTrue(hadoop.hasViolation(), "the planted Hadoop dependency is reported");
        String details = String.join("\n", hadoop.getFailureReport().getDetails());
        assertTrue(
                details.contains("UsesHadoop") && details.contains("org.apache.hadoop.archfixture.Planted"), details);

        assertFalse(noHadoopOrHive(FIXTURE + ".cycle").evaluate(fixture).hasViolation(), "and only that one");
    }
}
