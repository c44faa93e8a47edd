package dev.drafthorse.kernels.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.generate.Generator;
import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufConverterTest {
    @TempDir
    Path dir;

    @Test
    void widenedF16ModelStillWritesTheReferenceText() throws IOException {
        // Every F16 value is exact in F32, so the widened target must give llama.cpp's text too.
        Path f32 = dir.resolve("t-f32.gguf");
        GgufConverter.convert(SharedFiles.model("tinystories-23m-f16.gguf"), f32, GgmlType.F32);
        try (Parallel par = new Parallel(2)) {
            Model m = Model.load(f32, par);
            assertEquals(GgmlType.F32, m.file().tensor("blk.0.attn_q.weight").type());
            String text = new Generator(m)
                    .generate("", GenerationOptions.greedy(200), new Rng(0))
                    .text();
            assertEquals(
                    Files.readString(SharedFiles.model("tinystories-23m-f16.greedy.bos.200.txt"))
                            .strip(),
                    text.strip());
        }
    }
}
