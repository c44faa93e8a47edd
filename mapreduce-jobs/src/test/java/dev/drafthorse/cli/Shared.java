package dev.drafthorse.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared (real models and vocabularies beside the clone). */
final class Shared {
    private Shared() {}

    static Path root() {
        String prop = System.getProperty("drafthorse.shared");
        if (prop != null && Files.isDirectory(Path.of(prop, "models"))) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (p.getParent() != null && Files.isDirectory(p.resolveSibling("shared").resolve("models"))) {
                return p.resolveSibling("shared");
            }
        }
        throw new IllegalStateException("../shared not found (set -Ddrafthorse.shared=DIR)");
    }

    static Path model(String name) {
        return root().resolve("models").resolve(name);
    }

    static Path vocab(String name) {
        return root().resolve("vocab").resolve(name);
    }
}
