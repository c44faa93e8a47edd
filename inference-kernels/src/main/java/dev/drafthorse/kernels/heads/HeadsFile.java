package dev.drafthorse.kernels.heads;

import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.gguf.GgufWriter;
import dev.drafthorse.kernels.gguf.MetadataValue;
import dev.drafthorse.kernels.gguf.TensorInfo;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.model.ModelConfig;
import dev.drafthorse.kernels.tensor.Quantize;
import dev.drafthorse.kernels.tensor.WeightMatrix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The GGUF file of Medusa heads or multi-token-prediction (MTP) modules: the one format the trainer
 * writes and the decoder reads.
 *
 * <p>Metadata: {@code general.architecture} = {@code drafthorse.medusa} or {@code drafthorse.mtp};
 * {@code drafthorse.base.architecture} (string), {@code drafthorse.base.vocab_size} (u32),
 * {@code drafthorse.base.embedding_length} (u32), {@code drafthorse.base.fingerprint} (string,
 * {@link Model#fingerprint()}), {@code drafthorse.heads.count} (u32: K heads or D modules) and
 * {@code drafthorse.heads.precision} (string f32|f16|bf16: what training used; informational).
 *
 * <p>Tensors (D model width, V vocabulary; a matrix (rows, cols) has GGUF shape [cols, rows]):
 * <ul>
 * <li>Medusa, k = 0..K−1: {@code medusa.k.weight} (D, D), {@code medusa.k.bias} [D], and optionally
 * {@code medusa.k.output.weight} (V, D) — absent, the head uses the base model's output matrix. Head k
 * computes h' = h + SiLU(W_k·h + b_k) from the base model's final (output-normed) hidden state h at
 * position i, and its logits Out·h' predict the token at i + 2 + k.
 * <li>MTP, d = 0..D−1: {@code mtp.d.hnorm.weight} [D], {@code mtp.d.enorm.weight} [D],
 * {@code mtp.d.proj.weight} (D, 2D) over [normed h ; normed embedding], the block tensors under the
 * base model's llama names ({@code mtp.d.attn_norm.weight}, {@code attn_q}, {@code attn_k},
 * {@code attn_v}, {@code attn_output}, {@code ffn_norm}, {@code ffn_gate}, {@code ffn_up},
 * {@code ffn_down}, same shapes as {@code blk.N.*}), and {@code mtp.d.norm.weight} [D], the final norm
 * before the shared output matrix.
 * </ul>
 * Matrices may be F32, F16 or BF16; norm vectors and biases are F32. Loading refuses, naming the file and
 * the field, a wrong architecture string, heads made for another model (vocabulary, width or
 * fingerprint differ: both values are shown), a missing or unknown tensor, and a wrong shape or type.
 */
public final class HeadsFile {
    public static final String KEY_BASE_ARCHITECTURE = "drafthorse.base.architecture";
    public static final String KEY_BASE_VOCAB = "drafthorse.base.vocab_size";
    public static final String KEY_BASE_DIM = "drafthorse.base.embedding_length";
    public static final String KEY_BASE_FINGERPRINT = "drafthorse.base.fingerprint";
    public static final String KEY_COUNT = "drafthorse.heads.count";
    public static final String KEY_PRECISION = "drafthorse.heads.precision";

    /** The precisions the trainer may record. */
    public static final Set<String> PRECISIONS = Set.of("f32", "f16", "bf16");

    /** Matrix types a heads file may hold. */
    public static final Set<GgmlType> MATRIX_TYPES = Set.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16);

    /** The block tensors of an MTP module, named as the base model's {@code blk.N.*}. */
    public static final List<String> MTP_BLOCK_TENSORS = List.of(
            "attn_norm.weight",
            "attn_q.weight",
            "attn_k.weight",
            "attn_v.weight",
            "attn_output.weight",
            "ffn_norm.weight",
            "ffn_gate.weight",
            "ffn_up.weight",
            "ffn_down.weight");

    private HeadsFile() {}

    /** Which heads a file holds. */
    public enum Kind {
        MEDUSA("drafthorse.medusa"),
        MTP("drafthorse.mtp");

        private final String architecture;

        Kind(String architecture) {
            this.architecture = architecture;
        }

        /** The {@code general.architecture} string. */
        public String architecture() {
            return architecture;
        }

        /** {@code medusa} or {@code mtp} (command-line spelling). */
        public static Kind parse(String name) {
            return switch (name.toLowerCase()) {
                case "medusa" -> MEDUSA;
                case "mtp" -> MTP;
                default -> throw new IllegalArgumentException("kind must be medusa or mtp, got '" + name + "'");
            };
        }
    }

    /**
     * The base model a heads file is tied to.
     *
     * @param architecture {@link ModelConfig#architecture()}
     * @param vocab vocabulary size V
     * @param dim model width D
     * @param fingerprint {@link Model#fingerprint()}
     */
    public record Base(String architecture, int vocab, int dim, String fingerprint) {
        public static Base of(Model m) {
            return new Base(
                    m.config().architecture(), m.config().vocab(), m.config().dim(), m.fingerprint());
        }
    }

    /**
     * What a heads file says about itself.
     *
     * @param path the file
     * @param kind Medusa or MTP
     * @param base the model it was made for
     * @param count K heads or D modules (at least 1)
     * @param precision the training precision recorded (f32, f16, bf16), or "unknown"
     */
    public record Header(Path path, Kind kind, Base base, int count, String precision) {}

    // ---------------------------------------------------------------- tensor names

    public static String medusaWeight(int k) {
        return "medusa." + k + ".weight";
    }

    public static String medusaBias(int k) {
        return "medusa." + k + ".bias";
    }

    public static String medusaOutput(int k) {
        return "medusa." + k + ".output.weight";
    }

    /** {@code mtp.d.<suffix>}, e.g. {@code mtp(0, "proj.weight")}. */
    public static String mtp(int d, String suffix) {
        return "mtp." + d + "." + suffix;
    }

    /**
     * One tensor a heads file holds: a vector [n] (cols = n, rows = 0) or a matrix (rows, cols).
     *
     * @param optional may be absent (a Medusa head's own output matrix)
     */
    public record Expected(String name, int rows, int cols, boolean optional) {
        public boolean vector() {
            return rows == 0;
        }

        String shape() {
            return vector() ? "[" + cols + "]" : "[" + cols + ", " + rows + "]";
        }
    }

    /** Every tensor a file of this kind and count holds for a model of config {@code c}, in file order. */
    public static List<Expected> layout(Kind kind, int count, ModelConfig c) {
        int d = c.dim();
        List<Expected> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (kind == Kind.MEDUSA) {
                out.add(new Expected(medusaWeight(i), d, d, false));
                out.add(new Expected(medusaBias(i), 0, d, false));
                out.add(new Expected(medusaOutput(i), c.vocab(), d, true));
            } else {
                out.add(new Expected(mtp(i, "hnorm.weight"), 0, d, false));
                out.add(new Expected(mtp(i, "enorm.weight"), 0, d, false));
                out.add(new Expected(mtp(i, "proj.weight"), d, 2 * d, false));
                out.add(new Expected(mtp(i, "attn_norm.weight"), 0, d, false));
                out.add(new Expected(mtp(i, "attn_q.weight"), c.qDim(), d, false));
                out.add(new Expected(mtp(i, "attn_k.weight"), c.kvDim(), d, false));
                out.add(new Expected(mtp(i, "attn_v.weight"), c.kvDim(), d, false));
                out.add(new Expected(mtp(i, "attn_output.weight"), d, c.qDim(), false));
                out.add(new Expected(mtp(i, "ffn_norm.weight"), 0, d, false));
                out.add(new Expected(mtp(i, "ffn_gate.weight"), c.ffn(), d, false));
                out.add(new Expected(mtp(i, "ffn_up.weight"), c.ffn(), d, false));
                out.add(new Expected(mtp(i, "ffn_down.weight"), d, c.ffn(), false));
                out.add(new Expected(mtp(i, "norm.weight"), 0, d, false));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- reading

    /** Reads and checks the metadata (not the base model, not the tensors). */
    public static Header header(GgufFile f) throws GgufException {
        String file = f.path().toString();
        String arch = f.getString("general.architecture");
        Kind kind = null;
        for (Kind k : Kind.values()) {
            if (k.architecture.equals(arch)) {
                kind = k;
            }
        }
        if (kind == null) {
            throw new GgufException(
                    file,
                    "general.architecture",
                    "expected '" + Kind.MEDUSA.architecture + "' or '" + Kind.MTP.architecture
                            + "' (a heads file), found '" + arch + "'");
        }
        Base base = new Base(
                f.getString(KEY_BASE_ARCHITECTURE),
                f.getInt(KEY_BASE_VOCAB, 1),
                f.getInt(KEY_BASE_DIM, 1),
                f.getString(KEY_BASE_FINGERPRINT));
        int count = f.getInt(KEY_COUNT, 1);
        if (count > 64) {
            throw new GgufException(file, "metadata '" + KEY_COUNT + "'", "value " + count + " out of range [1, 64]");
        }
        return new Header(f.path(), kind, base, count, f.getString(KEY_PRECISION, "unknown"));
    }

    /** Refuses heads made for another model, naming the file, the field and both values. */
    public static void checkBase(Header h, Model model) throws GgufException {
        String file = h.path().toString();
        ModelConfig c = model.config();
        String modelPath = model.file().path().toString();
        if (!h.base().architecture().equals(c.architecture())) {
            throw new GgufException(
                    file,
                    "metadata '" + KEY_BASE_ARCHITECTURE + "'",
                    "heads for architecture '" + h.base().architecture() + "', but the model " + modelPath + " is '"
                            + c.architecture() + "'");
        }
        if (h.base().vocab() != c.vocab()) {
            throw new GgufException(
                    file,
                    "metadata '" + KEY_BASE_VOCAB + "'",
                    "heads for a vocabulary of " + h.base().vocab() + " tokens, but the model " + modelPath + " has "
                            + c.vocab());
        }
        if (h.base().dim() != c.dim()) {
            throw new GgufException(
                    file,
                    "metadata '" + KEY_BASE_DIM + "'",
                    "heads for hidden size " + h.base().dim() + ", but the model " + modelPath + " has " + c.dim());
        }
        String fp = model.fingerprint();
        if (!h.base().fingerprint().equals(fp)) {
            throw new GgufException(
                    file,
                    "metadata '" + KEY_BASE_FINGERPRINT + "'",
                    "heads made for another model: fingerprint " + h.base().fingerprint() + ", but the model "
                            + modelPath + " has " + fp);
        }
    }

    /** Loads Medusa heads or MTP modules, whichever the file holds, for {@code model}. */
    public static Heads load(Path path, Model model) throws IOException {
        GgufFile f = GgufFile.open(path);
        Header h = header(f);
        return h.kind() == Kind.MEDUSA ? medusa(f, h, model) : mtp(f, h, model);
    }

    /** Loads Medusa heads for {@code model}; an MTP file is refused by name. */
    public static MedusaHeads loadMedusa(Path path, Model model) throws IOException {
        GgufFile f = GgufFile.open(path);
        Header h = header(f);
        requireKind(h, Kind.MEDUSA);
        return medusa(f, h, model);
    }

    /** Loads MTP modules for {@code model}; a Medusa file is refused by name. */
    public static MtpModules loadMtp(Path path, Model model) throws IOException {
        GgufFile f = GgufFile.open(path);
        Header h = header(f);
        requireKind(h, Kind.MTP);
        return mtp(f, h, model);
    }

    private static void requireKind(Header h, Kind want) throws GgufException {
        if (h.kind() != want) {
            throw new GgufException(
                    h.path().toString(),
                    "general.architecture",
                    "expected '" + want.architecture + "', found '" + h.kind().architecture + "'");
        }
    }

    private static MedusaHeads medusa(GgufFile f, Header h, Model model) throws GgufException {
        checkBase(h, model);
        Map<String, Expected> want = checkTensors(f, h, model.config());
        int k = h.count();
        WeightMatrix[] w = new WeightMatrix[k];
        float[][] b = new float[k][];
        WeightMatrix[] out = new WeightMatrix[k];
        for (int i = 0; i < k; i++) {
            w[i] = matrix(f, want.get(medusaWeight(i)));
            b[i] = vector(f, want.get(medusaBias(i)));
            out[i] = f.hasTensor(medusaOutput(i)) ? matrix(f, want.get(medusaOutput(i))) : null;
        }
        return new MedusaHeads(h, model, w, b, out);
    }

    private static MtpModules mtp(GgufFile f, Header h, Model model) throws GgufException {
        checkBase(h, model);
        Map<String, Expected> want = checkTensors(f, h, model.config());
        MtpModules.Module[] modules = new MtpModules.Module[h.count()];
        for (int d = 0; d < modules.length; d++) {
            final int di = d;
            java.util.function.Function<String, Expected> e = s -> want.get(mtp(di, s));
            dev.drafthorse.kernels.model.ModelWeights.Layer l = new dev.drafthorse.kernels.model.ModelWeights.Layer();
            l.attnNorm = vector(f, e.apply("attn_norm.weight"));
            l.wq = matrix(f, e.apply("attn_q.weight"));
            l.wk = matrix(f, e.apply("attn_k.weight"));
            l.wv = matrix(f, e.apply("attn_v.weight"));
            l.wo = matrix(f, e.apply("attn_output.weight"));
            l.ffnNorm = vector(f, e.apply("ffn_norm.weight"));
            l.gate = matrix(f, e.apply("ffn_gate.weight"));
            l.up = matrix(f, e.apply("ffn_up.weight"));
            l.down = matrix(f, e.apply("ffn_down.weight"));
            modules[d] = new MtpModules.Module(
                    vector(f, e.apply("hnorm.weight")),
                    vector(f, e.apply("enorm.weight")),
                    matrix(f, e.apply("proj.weight")),
                    l,
                    vector(f, e.apply("norm.weight")));
        }
        return new MtpModules(h, model, modules);
    }

    /** Every expected tensor present (unless optional) with its shape and type; no unknown tensor. */
    private static Map<String, Expected> checkTensors(GgufFile f, Header h, ModelConfig c) throws GgufException {
        String file = f.path().toString();
        Map<String, Expected> want = new LinkedHashMap<>();
        for (Expected e : layout(h.kind(), h.count(), c)) {
            want.put(e.name(), e);
        }
        for (String name : f.tensors().keySet()) {
            if (!want.containsKey(name)) {
                throw new GgufException(
                        file,
                        "tensor '" + name + "'",
                        "unknown in a " + h.kind().architecture + " file of " + h.count() + " (expected names like "
                                + layout(h.kind(), 1, c).get(0).name() + ")");
            }
        }
        for (Expected e : want.values()) {
            if (!f.hasTensor(e.name())) {
                if (e.optional()) {
                    continue;
                }
                throw new GgufException(
                        file, "tensor '" + e.name() + "'", "missing (" + KEY_COUNT + " is " + h.count() + ")");
            }
            TensorInfo t = f.tensor(e.name());
            boolean ok = e.vector()
                    ? t.shape().length == 1 && t.shape()[0] == e.cols()
                    : t.shape().length == 2 && t.cols() == e.cols() && t.rows() == e.rows();
            if (!ok) {
                throw new GgufException(
                        file,
                        "tensor '" + e.name() + "' shape",
                        "expected " + e.shape() + ", found " + java.util.Arrays.toString(t.shape()));
            }
            boolean typeOk = e.vector() ? t.type() == GgmlType.F32 : MATRIX_TYPES.contains(t.type());
            if (!typeOk) {
                throw new GgufException(
                        file,
                        "tensor '" + e.name() + "' type",
                        "found " + t.type() + ", expected " + (e.vector() ? "F32" : "F32, F16 or BF16"));
            }
        }
        return want;
    }

    private static WeightMatrix matrix(GgufFile f, Expected e) throws GgufException {
        return WeightMatrix.of(f.tensor(e.name()).type(), f.data(e.name()), e.rows(), e.cols());
    }

    private static float[] vector(GgufFile f, Expected e) throws GgufException {
        float[] out = new float[e.cols()];
        f.data(e.name()).asFloatBuffer().get(out);
        return out;
    }

    // ---------------------------------------------------------------- writing

    /**
     * A writer of a heads file for {@code base}: the metadata is filled in; add every tensor of
     * {@link #layout} (the optional ones if wanted), then {@link Writer#write}.
     *
     * @param count K heads or D modules, in [1, 64]
     * @param precision what training used: f32, f16 or bf16
     */
    public static Writer writer(Kind kind, Model base, int count, String precision) {
        return new Writer(kind, Base.of(base), base.config(), count, precision);
    }

    /** Collects the tensors of one heads file and writes it; shapes and completeness are checked first. */
    public static final class Writer {
        private final Kind kind;
        private final ModelConfig config;
        private final int count;
        private final GgufWriter w = new GgufWriter();
        private final Map<String, Expected> want = new LinkedHashMap<>();
        private final Map<String, Runnable> tensors = new LinkedHashMap<>();
        private boolean written;

        Writer(Kind kind, Base base, ModelConfig config, int count, String precision) {
            if (count < 1 || count > 64) {
                throw new IllegalArgumentException("heads count must be in [1, 64], got " + count);
            }
            if (!PRECISIONS.contains(precision)) {
                throw new IllegalArgumentException("precision must be f32, f16 or bf16, got '" + precision + "'");
            }
            this.kind = kind;
            this.config = config;
            this.count = count;
            for (Expected e : layout(kind, count, config)) {
                want.put(e.name(), e);
            }
            w.putString("general.architecture", kind.architecture());
            w.putString(
                    "general.name",
                    kind.name().toLowerCase() + " heads (" + count + ") for " + base.architecture() + " " + base.dim()
                            + "x" + config.layers());
            w.putString(KEY_BASE_ARCHITECTURE, base.architecture());
            w.putUint32(KEY_BASE_VOCAB, base.vocab());
            w.putUint32(KEY_BASE_DIM, base.dim());
            w.putString(KEY_BASE_FINGERPRINT, base.fingerprint());
            w.putUint32(KEY_COUNT, count);
            w.putString(KEY_PRECISION, precision);
        }

        /** Extra metadata (e.g. training settings), under a key of the caller's. */
        public Writer put(String key, MetadataValue value) {
            if (key.startsWith("drafthorse.base.")
                    || key.startsWith("drafthorse.heads.")
                    || key.equals("general.architecture")) {
                throw new IllegalArgumentException("metadata key '" + key + "' is set by the writer");
            }
            w.put(key, value);
            return this;
        }

        /**
         * Adds a matrix of {@link #layout} (rows, cols), row-major values, stored as {@code type} (F32, F16 or
         * BF16).
         */
        public Writer matrix(String name, GgmlType type, float[] values) {
            Expected e = expect(name);
            if (e.vector()) {
                throw new IllegalArgumentException(
                        "tensor '" + name + "' is a vector of " + e.cols() + ", not a matrix");
            }
            if (!MATRIX_TYPES.contains(type)) {
                throw new IllegalArgumentException("tensor '" + name + "': type must be F32, F16 or BF16, got " + type);
            }
            if (values.length != e.rows() * e.cols()) {
                throw new IllegalArgumentException("tensor '" + name + "': expected (" + e.rows() + ", " + e.cols()
                        + ") = " + e.rows() * e.cols() + " values, got " + values.length);
            }
            byte[] data = Quantize.encode(type, values, e.cols());
            tensors.put(name, () -> w.tensor(name, type, new long[] {e.cols(), e.rows()}, data));
            return this;
        }

        /** Adds a vector of {@link #layout} (a norm weight or bias), stored as F32. */
        public Writer vector(String name, float[] values) {
            Expected e = expect(name);
            if (!e.vector()) {
                throw new IllegalArgumentException(
                        "tensor '" + name + "' is a (" + e.rows() + ", " + e.cols() + ") matrix, not a vector");
            }
            if (values.length != e.cols()) {
                throw new IllegalArgumentException(
                        "tensor '" + name + "': expected " + e.cols() + " values, got " + values.length);
            }
            byte[] data = Quantize.encode(GgmlType.F32, values, e.cols());
            tensors.put(name, () -> w.tensor(name, GgmlType.F32, new long[] {e.cols()}, data));
            return this;
        }

        private Expected expect(String name) {
            Expected e = want.get(name);
            if (e == null) {
                throw new IllegalArgumentException("tensor '" + name + "' is not part of a " + kind.architecture()
                        + " file of " + count + " (see HeadsFile.layout)");
            }
            return e;
        }

        /** Writes the file, in {@link #layout} order, after checking no required tensor is missing. */
        public void write(Path path) throws IOException {
            if (written) {
                throw new IllegalStateException("this writer has already written its file");
            }
            for (Expected e : want.values()) {
                if (!e.optional() && !tensors.containsKey(e.name())) {
                    throw new IllegalStateException("tensor '" + e.name() + "' was not added");
                }
            }
            for (Expected e : want.values()) {
                Runnable r = tensors.get(e.name());
                if (r != null) {
                    r.run();
                }
            }
            written = true;
            w.write(path);
        }

        /** The model shape the tensors follow. */
        public ModelConfig config() {
            return config;
        }
    }
}
