package dev.drafthorse.cli;

import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.heads.HeadsFile;
import dev.drafthorse.kernels.heads.RandomHeads;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.tensor.Parallel;
import java.nio.file.Path;
import org.apache.commons.cli.Options;

/** {@code random-heads}: writes random (untrained) Medusa heads or MTP modules for a model. */
final class RandomHeadsCommand implements Command {
    static final String USAGE =
            "drafthorse random-heads -m MODEL.gguf --kind medusa|mtp [--heads K] [--type f32|f16|bf16]"
                    + " [--own-output] [--seed S] -o HEADS.gguf";

    @Override
    public String name() {
        return "random-heads";
    }

    @Override
    public String summary() {
        return "write random Medusa heads or MTP modules for a model (untrained baseline, tests)";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        ModelArgs.add(o);
        o.addOption(Args.opt(null, "kind", "medusa|mtp", "Medusa heads or multi-token-prediction modules"));
        o.addOption(Args.opt(
                null, "heads", "K", "heads (Medusa) or modules (MTP), in [1, 64] (default 4 for medusa, 1 for mtp)"));
        o.addOption(Args.opt(null, "type", "f32|f16|bf16", "matrix type (default f32)"));
        o.addOption(
                Args.flag("own-output", "Medusa: give each head its own output matrix (default: share the model's)"));
        o.addOption(Args.opt(null, "seed", "S", "weight seed (default 1)"));
        o.addOption(Args.opt("o", "output", "HEADS.gguf", "where to write the heads"));
        Args a = Args.parse(
                USAGE,
                "Writes heads with random weights, tied to the model by its fingerprint. Their accepted length"
                        + " is about 1: a baseline and a test fixture, not a speedup.",
                o,
                args);
        if (a == null) {
            return 0;
        }
        HeadsFile.Kind kind;
        try {
            kind = HeadsFile.Kind.parse(a.require("kind"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--kind must be medusa or mtp, got '" + a.get("kind", "") + "'");
        }
        int count = a.getInt("heads", kind == HeadsFile.Kind.MEDUSA ? 4 : 1, 1, 64);
        GgmlType type = switch (a.get("type", "f32").toLowerCase()) {
            case "f32" -> GgmlType.F32;
            case "f16" -> GgmlType.F16;
            case "bf16" -> GgmlType.BF16;
            default -> throw new UsageException("--type must be f32, f16 or bf16, got '" + a.get("type", "") + "'");
        };
        if (a.has("own-output") && kind != HeadsFile.Kind.MEDUSA) {
            throw new UsageException("--own-output is for --kind medusa (MTP modules share the model's output matrix)");
        }
        Path out = Path.of(a.require("output"));
        try (Parallel par = new Parallel(ModelArgs.threads(a))) {
            Model model = ModelArgs.load(a, par);
            RandomHeads.write(model, kind, count, type, a.has("own-output"), a.getLong("seed", 1), out);
        }
        System.err.println("random-heads: wrote " + count
                + (kind == HeadsFile.Kind.MEDUSA ? " random Medusa heads" : " random MTP modules") + " to " + out);
        return 0;
    }
}
