package dev.drafthorse.kernels.tokenizer;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.gguf.GgufFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * llama.cpp's tokenizer test vectors in {@code shared/vocab}, read exactly as its {@code test-tokenizer-0} reads
 * them: the whole {@code .inp} file is split at {@code "\n__ggml_vocab_test__\n"} (so a newline before a separator
 * belongs to the separator, and any other newline is content), and each {@code .out} line, stripped, holds the
 * expected ids separated by spaces.
 */
final class VocabVectors {
    static final List<String> NAMES = List.of("llama-spm", "phi-3", "gpt-2", "deepseek-coder", "falcon", "starcoder");

    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";
    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    record Case(String vocab, int index, String input, int[] expected) {
        @Override
        public String toString() {
            return vocab + " #" + index + " " + show(input);
        }
    }

    private VocabVectors() {}

    static Path file(String name) {
        return SharedFiles.vocab("ggml-vocab-" + name + ".gguf");
    }

    static Tokenizer tokenizer(String name) {
        return LOADED.computeIfAbsent(name, n -> {
            try {
                return Tokenizer.fromGguf(GgufFile.open(file(n)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static List<Case> cases(String name) {
        try {
            Path gguf = file(name);
            String raw = new String(Files.readAllBytes(Path.of(gguf + ".inp")), StandardCharsets.UTF_8);
            List<String> outs = new ArrayList<>(Arrays.asList(
                    new String(Files.readAllBytes(Path.of(gguf + ".out")), StandardCharsets.UTF_8).split("\n", -1)));
            if (!outs.isEmpty() && outs.get(outs.size() - 1).isEmpty()) {
                outs.remove(outs.size() - 1); // getline yields no line after a final newline
            }
            List<String> inputs = new ArrayList<>();
            int pos = 0;
            while (pos < raw.length()) {
                int next = raw.indexOf(SEPARATOR, pos);
                if (next < 0) {
                    inputs.add(raw.substring(pos));
                    break;
                }
                inputs.add(raw.substring(pos, next));
                pos = next + SEPARATOR.length();
            }
            if (inputs.size() != outs.size()) {
                throw new IllegalStateException(
                        gguf + ": " + inputs.size() + " inputs but " + outs.size() + " outputs");
            }
            List<Case> cases = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                String o = outs.get(i).strip();
                int[] ids = o.isEmpty()
                        ? new int[0]
                        : Arrays.stream(o.split(" "))
                                .mapToInt(Integer::parseInt)
                                .toArray();
                cases.add(new Case(name, i, inputs.get(i), ids));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The text with control characters escaped, for failure messages. */
    static String show(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                case '"' -> sb.append("\\\"");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
