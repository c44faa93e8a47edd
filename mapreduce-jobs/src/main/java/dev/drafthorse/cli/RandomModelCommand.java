package dev.drafthorse.cli;

import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.model.RandomModel;
import java.nio.file.Path;
import org.apache.commons.cli.Options;

/** {@code random-model}: writes a random-weight Llama-shaped GGUF for benchmarks and tests. */
final class RandomModelCommand implements Command {
    static final String USAGE = "drafthorse random-model -o OUT.gguf [--shape 110m|tiny]"
            + " [--type f32|f16|bf16|q8_0|q4_0|q4_1|q5_0|q5_1|q2_k|q3_k|q4_k|q5_k|q6_k]"
            + " [--dim D --layers L --heads H --kv-heads K --ffn F --vocab V] [--seed S]";

    @Override
    public String name() {
        return "random-model";
    }

    @Override
    public String summary() {
        return "write a random-weight Llama-shaped GGUF (benchmark shapes; useless for speculation)";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        o.addOption(Args.opt("o", "output", "OUT.gguf", "where to write the model"));
        o.addOption(Args.opt(
                null,
                "shape",
                "110m|tiny",
                "a preset: 110m (dim 768, 12 layers, 12 heads, FFN 2048, vocab 32000)"
                        + " or tiny (dim 64, 2 layers); default 110m"));
        o.addOption(Args.opt(
                null,
                "type",
                "TYPE",
                "matrix type: " + GgmlType.supportedNames().toLowerCase(java.util.Locale.ROOT) + " (default f32)"));
        for (String n : new String[] {"dim", "layers", "heads", "kv-heads", "ffn", "vocab"}) {
            o.addOption(Args.opt(null, n, "N", "override the preset's " + n));
        }
        o.addOption(Args.opt(null, "seed", "S", "weight seed (default 110)"));
        Args a = Args.parse(
                USAGE, "Writes a model with random weights and a synthetic SentencePiece vocabulary.", o, args);
        if (a == null) {
            return 0;
        }
        GgmlType type;
        try {
            type = GgmlType.valueOf(a.get("type", "f32").toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new UsageException(
                    "--type must be one of " + GgmlType.supportedNames().toLowerCase(java.util.Locale.ROOT) + ", got '"
                            + a.get("type", "") + "'");
        }
        if (!type.supported()) {
            throw new UsageException(
                    "--type must be one of " + GgmlType.supportedNames().toLowerCase(java.util.Locale.ROOT) + ", got '"
                            + a.get("type", "") + "'");
        }
        RandomModel base = switch (a.get("shape", "110m")) {
            case "110m" -> RandomModel.llama110M(type);
            case "tiny" -> new RandomModel("llama", 64, 2, 4, 2, 128, 512, 512, type, false, 110);
            default -> throw new UsageException("--shape must be 110m or tiny, got '" + a.get("shape", "") + "'");
        };
        RandomModel m = new RandomModel(
                "llama",
                a.getInt("dim", base.dim(), 1, 1 << 16),
                a.getInt("layers", base.layers(), 1, 1024),
                a.getInt("heads", base.heads(), 1, 1024),
                a.getInt("kv-heads", base.kvHeads(), 1, 1024),
                a.getInt("ffn", base.ffn(), 1, 1 << 20),
                a.getInt("vocab", base.vocab(), 259, 1 << 20),
                base.context(),
                type,
                false,
                a.getLong("seed", 110));
        Path out = Path.of(a.require("output"));
        m.write(out);
        System.err.println("random-model: wrote " + out);
        return 0;
    }
}
