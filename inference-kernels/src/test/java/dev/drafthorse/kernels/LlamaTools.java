package dev.drafthorse.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs llama.cpp's tools from {@code ../shared/tools/llama.cpp/bin} (build d32676d77) to make test inputs,
 * e.g. {@code llama-quantize IN OUT TYPE}. The shared copy keeps the libraries' symlinks as small text
 * files naming their targets, so the libraries are linked properly into target/llama-lib first and put
 * on LD_LIBRARY_PATH.
 */
public final class LlamaTools {
    private LlamaTools() {}

    public static Path bin() {
        return SharedFiles.root().resolve("tools/llama.cpp/bin");
    }

    /** Whether the binary {@code name} (e.g. "llama-quantize") is there to run. */
    public static boolean available(String name) {
        return Files.isExecutable(bin().resolve(name));
    }

    /** Runs bin/name with args; fails with the tool's output when it exits non-zero. */
    public static void run(String name, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(bin().resolve(name).toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("LD_LIBRARY_PATH", libraries().toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ":\n" + new String(out));
        }
    }

    private static Path libraries() throws IOException {
        Path dir = Path.of("target/llama-lib").toAbsolutePath();
        Files.createDirectories(dir);
        try (var files = Files.list(bin())) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString();
                if (!n.contains(".so") || Files.isSymbolicLink(f) || Files.size(f) >= 100) {
                    continue;
                }
                Path link = dir.resolve(n);
                Files.deleteIfExists(link);
                Files.createSymbolicLink(link, bin().resolve(Files.readString(f).strip()));
            }
        }
        return dir;
    }
}
