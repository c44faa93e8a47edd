package dev.drafthorse.cli;

import dev.drafthorse.kernels.convert.GgufConverter;
import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.file.Path;
import org.apache.commons.cli.Options;

/** {@code convert}: a GGUF model with its matrices in another type (widen F16 to F32, quantize to Q8_0/Q4_0). */
final class ConvertCommand implements Command {
    static final String USAGE =
            "drafthorse convert -m MODEL.gguf --type f32|f16|bf16|q8_0|q4_0|q4_1|q5_0|q5_1|q2_k|q3_k|q4_k|q5_k|q6_k"
                    + " -o OUT.gguf";

    @Override
    public String name() {
        return "convert";
    }

    @Override
    public String summary() {
        return "rewrite a model's matrices in another type (e.g. quantize a target into its own draft)";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        o.addOption(Args.opt("m", "model", "MODEL.gguf", "the model to convert"));
        o.addOption(Args.opt(
                null,
                "type",
                "TYPE",
                GgmlType.supportedNames().toLowerCase(java.util.Locale.ROOT)
                        + " (K-quants and q4_1/q5_0/q5_1 as llama-quantize writes them without an importance matrix)"));
        o.addOption(Args.opt("o", "output", "OUT.gguf", "where to write the converted model"));
        Args a = Args.parse(USAGE, "Metadata is copied; norms and biases keep their type.", o, args);
        if (a == null) {
            return 0;
        }
        GgmlType type;
        try {
            type = GgmlType.valueOf(a.require("type").toUpperCase());
        } catch (IllegalArgumentException e) {
            type = null;
        }
        if (type == null || !type.supported()) {
            throw new UsageException(
                    "--type must be one of " + GgmlType.supportedNames().toLowerCase(java.util.Locale.ROOT) + ", got '"
                            + a.require("type") + "'");
        }
        Path out = Path.of(a.require("output"));
        GgufConverter.convert(ModelArgs.localPath(a.require("model")), out, type);
        System.err.println("convert: wrote " + out);
        return 0;
    }
}
