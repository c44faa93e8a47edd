package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.cli.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed {@code infer} says what failed (issue 15's probe ended with {@code job … failed: NA}): a model the
 * driver can check is refused before submission with the reader's message, and an error only a task meets is
 * printed as the task gave it.
 */
class InferFailuresTest {
    @TempDir
    Path dir;

    private Path input() throws Exception {
        Path in = dir.resolve("in.txt");
        Files.writeString(in, "r1\tOnce upon a time\n", StandardCharsets.UTF_8);
        return in;
    }

    @Test
    void aTruncatedModelIsRefusedByTheDriverNamingFileAndField() throws Exception {
        byte[] model = Files.readAllBytes(Reference.model());
        Path truncated = dir.resolve("truncated.gguf");
        Files.write(truncated, Arrays.copyOf(model, model.length / 2));
        Path out = dir.resolve("out");
        Cli r = Cli.run(
                "infer",
                "--input",
                input().toString(),
                "--output",
                out.toString(),
                "-m",
                truncated.toString(),
                "-n",
                "4");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains(truncated.toString() + ": tensor '"), "names the file and the field:\n" + r.err());
        assertTrue(r.err().contains("truncated file?"), r.err());
        assertFalse(r.err().contains("submitted"), "refused before submission:\n" + r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void aModelWithANaNEpsilonIsRefusedByTheDriverNamingTheKey() throws Exception {
        dev.drafthorse.kernels.gguf.GgufFile f = dev.drafthorse.kernels.gguf.GgufFile.open(Reference.model());
        String key = f.getString("general.architecture") + ".attention.layer_norm_rms_epsilon";
        java.util.Map<String, dev.drafthorse.kernels.gguf.MetadataValue> meta =
                new java.util.LinkedHashMap<>(f.metadata());
        meta.put(key, dev.drafthorse.kernels.gguf.MetadataValue.float32(Float.NaN));
        dev.drafthorse.kernels.gguf.GgufWriter w = new dev.drafthorse.kernels.gguf.GgufWriter().putAll(meta);
        for (dev.drafthorse.kernels.gguf.TensorInfo t : f.tensors().values()) {
            java.nio.ByteBuffer b = f.data(t.name()).duplicate();
            byte[] data = new byte[b.remaining()];
            b.get(data);
            w.tensor(t.name(), t.type(), t.shape(), data);
        }
        Path nan = dir.resolve("nan-eps.gguf");
        w.write(nan);
        Cli r = Cli.run(
                "infer",
                "--input",
                input().toString(),
                "--output",
                dir.resolve("out-nan").toString(),
                "-m",
                nan.toString(),
                "-n",
                "4");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains(nan + ": " + key + ": must be a positive finite number, found NaN"), r.err());
        assertFalse(r.err().contains("submitted"), r.err());
    }

    @Test
    void anErrorOnlyTheTaskMeetsIsPrintedNotNA() throws Exception {
        // A header and hyperparameters the driver accepts, but a tensor the model needs renamed: only loading the
        // weights (in the task) finds it.
        byte[] model = Files.readAllBytes(Reference.model());
        byte[] name = "output_norm.weight".getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(model, name);
        assertTrue(at > 0);
        model[at + name.length - 1] = 'x'; // output_norm.weighx
        Path broken = dir.resolve("renamed-tensor.gguf");
        Files.write(broken, model);
        Path out = dir.resolve("out-task");
        Cli r = Cli.run(
                "infer", "--input", input().toString(), "--output", out.toString(), "-m", broken.toString(), "-n", "4");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("submitted"), "the driver let it through, so the task met it:\n" + r.err());
        assertFalse(r.err().contains("failed: NA"), r.err());
        String failed = r.err()
                .lines()
                .filter(l -> l.contains(" failed: "))
                .findFirst()
                .orElseThrow(() -> new AssertionError(r.err()));
        assertTrue(failed.contains("output_norm.weight"), "the task's own error, naming what is missing:\n" + r.err());
    }

    @Test
    void theRejectFractionIsTheNumberAsWritten() {
        org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration(false);
        conf.set(InferKey.MODEL.key(), "m.gguf");
        conf.set(InferKey.MAX_REJECT_FRACTION.key(), "0.1");
        assertEquals(0.1, InferSettings.from(conf).maxRejectFraction(), "not 0.10000000149011612");
        assertEquals("0.1", String.valueOf(InferSettings.from(conf).maxRejectFraction()));
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
