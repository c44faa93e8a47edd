package dev.drafthorse.kernels.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every real GGUF file in ../shared opens, and the known facts about stories260K hold. */
class GgufSharedFilesTest {

    @Test
    void everySharedFileOpens() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Stream.concat(
                Files.list(SharedFiles.root().resolve("models")),
                Files.list(SharedFiles.root().resolve("vocab")))) {
            files = s.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
        assertTrue(files.size() >= 10, "expected the shared models and vocabularies, found " + files);
        for (Path p : files) {
            GgufFile f = GgufFile.open(p);
            assertTrue(f.has("general.architecture"), p.toString());
            assertTrue(f.getStringArray("tokenizer.ggml.tokens").length > 100, p.toString());
        }
    }

    @Test
    void stories260KShapes() throws IOException {
        GgufFile f = GgufFile.open(SharedFiles.model("stories260K.gguf"));
        assertEquals("llama", f.getString("general.architecture"));
        assertEquals(64, f.getInt("llama.embedding_length", 1));
        assertEquals(5, f.getInt("llama.block_count", 1));
        assertEquals(8, f.getInt("llama.attention.head_count", 1));
        assertEquals(4, f.getInt("llama.attention.head_count_kv", 1));
        assertEquals(512, f.getStringArray("tokenizer.ggml.tokens").length);
        TensorInfo emb = f.tensor("token_embd.weight");
        assertEquals(GgmlType.F32, emb.type());
        assertEquals(64, emb.cols());
        assertEquals(512, emb.rows());
    }
}
