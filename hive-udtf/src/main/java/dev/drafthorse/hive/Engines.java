package dev.drafthorse.hive;

import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.ql.exec.MapredContext;
import org.apache.hadoop.hive.ql.session.SessionState;

/**
 * Models and tokenizers for the functions, from any path a user may write, through the {@link SharedCache}.
 * Ensemble models load in {@link EnsemblePredictUDF#ensemble}: this class names no ensemble type, so the LLM
 * functions run from the jar built without the ensemble module.
 */
final class Engines {
    private Engines() {}

    /** Threads for the kernels: {@code drafthorse.threads} from the job or session, else the processors. */
    static final String THREADS_KEY = "drafthorse.threads";

    /**
     * A model and the thread pool its passes run on. The model runs one pass at a time: callers
     * synchronize on this object around a generation or a scoring.
     */
    record LoadedModel(Model model, Parallel parallel) {
        void close() {
            parallel.close();
        }
    }

    static SharedCache.Lease<LoadedModel> model(String spec, Configuration conf) throws IOException {
        int threads = conf.getInt(THREADS_KEY, Integer.getInteger(THREADS_KEY, Parallel.defaultThreads()));
        if (threads < 1) {
            throw new IllegalArgumentException(THREADS_KEY + " must be >= 1, got " + threads);
        }
        return SharedCache.INSTANCE.acquire("model", ModelFiles.localize(spec, conf), file -> {
            Parallel par = new Parallel(threads);
            boolean ok = false;
            try {
                LoadedModel m = new LoadedModel(Model.load(file, par), par);
                ok = true;
                return m;
            } finally {
                if (!ok) {
                    par.close();
                }
            }
        });
    }

    /** Only the vocabulary: works on vocabulary-only GGUF files as well as on models. */
    static SharedCache.Lease<Tokenizer> tokenizer(String spec, Configuration conf) throws IOException {
        return SharedCache.INSTANCE.acquire(
                "tokenizer", ModelFiles.localize(spec, conf), file -> Tokenizer.fromGguf(GgufFile.open(file)));
    }

    /** The configuration a function sees: the task's job, else the client's session, else defaults. */
    static Configuration conf(Configuration fromConfigure) {
        if (fromConfigure != null) {
            return fromConfigure;
        }
        MapredContext ctx = MapredContext.get();
        if (ctx != null && ctx.getJobConf() != null) {
            return ctx.getJobConf();
        }
        SessionState ss = SessionState.get();
        return ss != null ? ss.getConf() : new Configuration();
    }

    /** The leases one function instance holds, one per distinct path, all given back at {@code close}. */
    static final class Leases<T> {
        @FunctionalInterface
        interface Opener<T> {
            SharedCache.Lease<T> open(String spec, Configuration conf) throws IOException;
        }

        private final Opener<T> opener;
        private final Map<String, SharedCache.Lease<T>> held = new HashMap<>();

        Leases(Opener<T> opener) {
            this.opener = opener;
        }

        T get(String spec, Configuration conf) throws IOException {
            SharedCache.Lease<T> l = held.get(spec);
            if (l == null) {
                l = opener.open(spec, conf);
                held.put(spec, l);
            }
            return l.get();
        }

        void closeAll() {
            held.values().forEach(SharedCache.Lease::close);
            held.clear();
        }
    }
}
