package dev.drafthorse.cli;

import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.apache.commons.cli.Options;

/** The options every engine command shares: the model and the thread count. */
final class ModelArgs {
    private ModelArgs() {}

    static void add(Options o) {
        o.addOption(Args.opt("m", "model", "MODEL.gguf", "the GGUF model (a local path or file:// URI)"));
        o.addOption(Args.opt("t", "threads", "N", "threads for the kernels (default: available processors)"));
    }

    static int threads(Args a) {
        return a.getInt("threads", Parallel.defaultThreads(), 1, 1024);
    }

    /** A local path from a path or a file: URI. */
    static Path localPath(String s) throws IOException {
        Path p;
        if (s.startsWith("file:")) {
            p = Path.of(URI.create(s));
        } else if (s.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
            throw new UsageException(
                    s + ": only local paths and file:// URIs work here; Hadoop filesystem URIs work under the jobs");
        } else {
            p = Path.of(s);
        }
        if (!Files.exists(p)) {
            throw new NoSuchFileException(p.toString());
        }
        return p;
    }

    static Model load(Args a, Parallel par) throws IOException {
        return Model.load(localPath(a.require("model")), par);
    }
}
