package dev.drafthorse.cli;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.gguf.GgufWriter;
import dev.drafthorse.kernels.gguf.MetadataValue;
import dev.drafthorse.kernels.gguf.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Test models with a chat template: a real model (stories260K) rewritten with one of the real templates of
 * {@code shared/chat} in its {@code tokenizer.chat_template}, weights unchanged.
 */
public final class ChatModels {
    private ChatModels() {}

    public static Path chatDir() {
        return SharedFiles.root().resolve("chat");
    }

    /** stories260K with the template {@code shared/chat/NAME.jinja}, written to {@code out}. */
    public static Path stories260KWith(String templateName, Path out) throws IOException {
        String template = Files.readString(chatDir().resolve(templateName + ".jinja"));
        GgufFile f = GgufFile.open(SharedFiles.model("stories260K.gguf"));
        GgufWriter w = new GgufWriter();
        for (Map.Entry<String, MetadataValue> e : f.metadata().entrySet()) {
            w.put(e.getKey(), e.getValue());
        }
        w.putString("tokenizer.chat_template", template);
        for (TensorInfo t : f.tensors().values()) {
            byte[] b = new byte[(int) t.bytes()];
            f.data(t.name()).get(b);
            w.tensor(t.name(), t.type(), t.shape(), b);
        }
        w.write(out);
        return out;
    }

    public static final String QWEN = "Qwen-Qwen2.5-7B-Instruct";
    public static final String GEMMA = "google-gemma-2-2b-it";
}
