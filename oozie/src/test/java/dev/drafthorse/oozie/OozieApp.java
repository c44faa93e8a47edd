package dev.drafthorse.oozie;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** The shipped application (oozie/app and oozie/job.properties), read from the module directory, never copied. */
final class OozieApp {
    private OozieApp() {}

    /** The module directory: surefire runs in it; {@code -Ddrafthorse.oozie.dir} overrides. */
    static Path dir() {
        Path p = Path.of(System.getProperty("drafthorse.oozie.dir", "."))
                .toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(p.resolve("app/workflow.xml"))) {
            throw new IllegalStateException(p + " is not the oozie module directory (no app/workflow.xml)");
        }
        return p;
    }

    static Path app() {
        return dir().resolve("app");
    }

    /** The project root (the module's parent). */
    static Path root() {
        return dir().getParent();
    }

    static String read(String name) throws IOException {
        return Files.readString(app().resolve(name), StandardCharsets.UTF_8);
    }

    static Properties jobProperties() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(dir().resolve("job.properties"))) {
            p.load(in);
        }
        return p;
    }
}
