package dev.drafthorse.cli;

import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.gguf.MetadataValue;
import dev.drafthorse.kernels.gguf.TensorInfo;
import dev.drafthorse.kernels.model.ModelConfig;
import dev.drafthorse.kernels.model.ModelWeights;
import java.util.Map;
import org.apache.commons.cli.Options;

/** {@code inspect}: what a GGUF file holds. */
final class InspectCommand implements Command {
    static final String USAGE = "drafthorse inspect MODEL.gguf [--tensors]";

    @Override
    public String name() {
        return "inspect";
    }

    @Override
    public String summary() {
        return "architecture, shapes, tensor types, tokenizer and metadata of a GGUF file";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        o.addOption(Args.flag("tensors", "list every tensor"));
        Args a = Args.parse(USAGE, "Describes a GGUF file.", o, args);
        if (a == null) {
            return 0;
        }
        if (a.rest().length != 1) {
            throw new UsageException("give exactly one GGUF file\nusage: " + USAGE);
        }
        GgufFile f = GgufFile.open(ModelArgs.localPath(a.rest()[0]));
        var out = System.out;
        out.println("file: " + f.path() + " (GGUF v" + f.version() + ", " + f.fileSize() + " bytes, alignment "
                + f.alignment() + ")");
        String arch = f.getString("general.architecture", "?");
        out.println("architecture: " + arch + (ModelConfig.SUPPORTED.contains(arch) ? "" : " (not runnable here)"));
        if (ModelConfig.SUPPORTED.contains(arch) && !f.tensors().isEmpty()) {
            ModelConfig c = ModelConfig.from(f);
            out.printf(
                    "shape: dim %d, layers %d, heads %d, kv heads %d, head dim %d, ffn %d, vocab %d, context %d%n",
                    c.dim(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.ffn(), c.vocab(), c.contextLength());
            out.printf(
                    "rope: base %s, dims %d, %s%n", c.ropeBase(), c.ropeDims(), c.ropeNeox() ? "neox" : "interleaved");
            out.println("features: " + c.features());
        }
        long params = 0;
        for (TensorInfo t : f.tensors().values()) {
            params += t.elements();
        }
        out.println(
                "tensors: " + f.tensors().size() + ", " + params + " parameters; types " + ModelWeights.typeSummary(f));
        out.println("tokenizer: " + f.getString("tokenizer.ggml.model", "none") + ", pre "
                + f.getString("tokenizer.ggml.pre", "default") + ", "
                + (f.has("tokenizer.ggml.tokens") ? f.getStringArray("tokenizer.ggml.tokens").length : 0) + " tokens");
        out.println("metadata:");
        for (Map.Entry<String, MetadataValue> e : f.metadata().entrySet()) {
            MetadataValue v = e.getValue();
            String shown = v.toString(); // arrays as [TYPE x N], unsigned values as unsigned
            if (shown.length() > 120) {
                shown = shown.substring(0, 117) + "...";
            }
            out.println("  " + e.getKey() + " (" + v.type() + ") = " + shown.replace("\n", "\\n"));
        }
        if (a.has("tensors")) {
            out.println("tensor list:");
            for (TensorInfo t : f.tensors().values()) {
                out.println("  " + t);
            }
        }
        return 0;
    }
}
