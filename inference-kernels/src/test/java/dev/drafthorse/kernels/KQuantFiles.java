package dev.drafthorse.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.Assumptions;

/**
 * tinystories-23m in the quantizations model hubs ship: Q4_K_M and Q5_K_M from ../shared/models/kquant, the
 * others made in target/kquant by llama-quantize from tinystories-23m-f16.gguf (deterministic: checked
 * against the SHA-256 in src/test/resources/kquant/TYPE.reference.json). Without the binary, a test that
 * needs a file that is not there is skipped, saying so.
 */
public final class KQuantFiles {
    private KQuantFiles() {}

    /** Made by llama-quantize here. */
    public static final String[] MADE = {"Q2_K", "Q3_K_M", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q6_K"};
    /** In ../shared/models/kquant. */
    public static final String[] SHARED = {"Q4_K_M", "Q5_K_M"};

    public static boolean shared(String type) {
        return type.equals("Q4_K_M") || type.equals("Q5_K_M");
    }

    /** The reference JSON of a type (llama.cpp's greedy runs; see make-references.sh). */
    public static Object reference(String type) throws IOException {
        if (shared(type)) {
            return MiniJson.parse(
                    Files.readString(SharedFiles.model("kquant/tinystories-23m-" + type + ".reference.json")));
        }
        try (InputStream in = KQuantFiles.class.getResourceAsStream("/kquant/" + type + ".reference.json")) {
            if (in == null) {
                throw new IOException("no test resource /kquant/" + type + ".reference.json");
            }
            return MiniJson.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** The model file of a type, made by llama-quantize unless it is there with the reference's hash. */
    public static Path model(String type) throws Exception {
        if (shared(type)) {
            return SharedFiles.model("kquant/tinystories-23m-" + type + ".gguf");
        }
        String sha = (String) MiniJson.at(reference(type), "sha256");
        Path out = Path.of("target/kquant/tinystories-23m-" + type + ".gguf").toAbsolutePath();
        if (Files.exists(out) && sha256(out).equals(sha)) {
            return out;
        }
        Assumptions.assumeTrue(
                LlamaTools.available("llama-quantize"),
                "skipped: " + LlamaTools.bin().resolve("llama-quantize") + " is missing, so " + out
                        + " cannot be made");
        Files.createDirectories(out.getParent());
        LlamaTools.run(
                "llama-quantize", SharedFiles.model("tinystories-23m-f16.gguf").toString(), out.toString(), type);
        String got = sha256(out);
        if (!got.equals(sha)) {
            throw new IllegalStateException(
                    "llama-quantize made " + out + " with SHA-256 " + got + ", the reference's is " + sha);
        }
        return out;
    }

    public static String sha256(Path p) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }
}
