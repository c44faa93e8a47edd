package dev.drafthorse.oozie;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the project's own scripts (scripts/demo.sh, scripts/drafthorse) as a user would, bounded in time. */
final class Processes {
    private Processes() {}

    /** The result of a finished command. */
    record Result(int code, String stdout, String stderr) {}

    static Result run(Path workDir, Path log, long timeoutSeconds, Map<String, String> env, String... command)
            throws IOException, InterruptedException {
        Files.createDirectories(log.getParent());
        Path out = log.resolveSibling(log.getFileName() + ".stdout");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(
                    String.join(" ", command) + " did not finish in " + timeoutSeconds + " s; its stderr: " + log);
        }
        return new Result(
                p.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(log, StandardCharsets.UTF_8));
    }

    /** Runs a command that must succeed; on failure the message carries the end of its stderr. */
    static String ok(Path workDir, Path log, long timeoutSeconds, String... command)
            throws IOException, InterruptedException {
        Result r = run(workDir, log, timeoutSeconds, Map.of(), command);
        if (r.code() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + r.code() + "; end of its stderr (" + log
                    + "):\n" + tail(r.stderr(), 40));
        }
        return r.stdout();
    }

    static String tail(String text, int lines) {
        String[] all = text.split("\n");
        List<String> out = new ArrayList<>();
        for (int i = Math.max(0, all.length - lines); i < all.length; i++) {
            out.add(all[i]);
        }
        return String.join("\n", out);
    }
}
