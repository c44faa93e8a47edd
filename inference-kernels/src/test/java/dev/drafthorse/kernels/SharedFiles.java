package dev.drafthorse.kernels;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates {@code ../shared} (real models, vocabularies and references that live beside the clone).
 * The system property {@code drafthorse.shared} wins; otherwise the directories above the working
 * directory are searched.
 */
public final class SharedFiles {
    private SharedFiles() {}

    public static Path root() {
        String prop = System.getProperty("drafthorse.shared");
        if (prop != null && Files.isDirectory(Path.of(prop, "models"))) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared");
            if (Files.isDirectory(candidate.resolve("models")) && Files.isDirectory(candidate.resolve("vocab"))) {
                return candidate;
            }
            candidate = p.resolveSibling("shared");
            if (p.getParent() != null && Files.isDirectory(candidate.resolve("models"))) {
                return candidate;
            }
        }
        throw new IllegalStateException(
                "../shared not found from " + Path.of("").toAbsolutePath() + " (set -Ddrafthorse.shared=DIR)");
    }

    public static Path model(String name) {
        return root().resolve("models").resolve(name);
    }

    public static Path vocab(String name) {
        return root().resolve("vocab").resolve(name);
    }
}
