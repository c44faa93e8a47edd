package dev.drafthorse.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Benchmarks stay out of the product: no product module depends on this one or on JMH, and no product
 * module keeps benchmark or baseline programs in {@code src/main} (they live here).
 */
class ArchitectureTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** Every module of the parent pom but this one. */
    private static List<Path> productModules() throws IOException {
        String parent = Files.readString(ROOT.resolve("pom.xml"));
        List<Path> modules = new ArrayList<>();
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("<module>([^<]+)</module>").matcher(parent);
        while (m.find()) {
            if (!m.group(1).equals("benchmarks")) {
                modules.add(ROOT.resolve(m.group(1)));
            }
        }
        assertTrue(modules.size() >= 5, "product modules in " + ROOT.resolve("pom.xml") + ": " + modules);
        return modules;
    }

    @Test
    void noProductModuleDependsOnTheBenchmarksOrJmh() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path module : productModules()) {
            String pom = Files.readString(module.resolve("pom.xml"));
            if (pom.contains("<artifactId>benchmarks</artifactId>") || pom.contains("org.openjdk.jmh")) {
                offenders.add(module.resolve("pom.xml").toString());
            }
        }
        assertEquals(List.of(), offenders);
    }

    @Test
    void noBenchmarkCodeInProductSources() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path module : productModules()) {
            Path main = module.resolve("src/main/java");
            if (!Files.isDirectory(main)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(main)) {
                files.filter(p -> p.toString().endsWith(".java")).forEach(p -> {
                    String name = p.getFileName().toString();
                    if (name.matches(".*(Bench|Benchmark|Baseline)\\.java") || read(p).contains("org.openjdk.jmh")) {
                        offenders.add(ROOT.relativize(p).toString());
                    }
                });
            }
        }
        assertEquals(List.of(), offenders, "benchmark code belongs in benchmarks/");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
