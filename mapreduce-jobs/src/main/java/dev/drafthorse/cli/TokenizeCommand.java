package dev.drafthorse.cli;

import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.StringJoiner;
import org.apache.commons.cli.Options;

/** {@code tokenize}: the ids of a file's whole content, as llama.cpp gives them (no BOS, no specials). */
final class TokenizeCommand implements Command {
    static final String USAGE = "drafthorse tokenize -m MODEL.gguf (--file TEXT_FILE | -p TEXT) [--bos] [--special]";

    @Override
    public String name() {
        return "tokenize";
    }

    @Override
    public String summary() {
        return "token ids of a text (works on vocabulary-only GGUF files)";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        o.addOption(Args.opt("m", "model", "MODEL.gguf", "a model or vocabulary-only GGUF file"));
        o.addOption(Args.opt("f", "file", "TEXT_FILE", "tokenize this file's whole content (UTF-8)"));
        o.addOption(Args.opt("p", "prompt", "TEXT", "tokenize this text instead of a file"));
        o.addOption(Args.flag("bos", "prepend BOS"));
        o.addOption(Args.flag("special", "parse special tokens written in the text"));
        Args a = Args.parse(USAGE, "Prints the token ids space-separated on one line.", o, args);
        if (a == null) {
            return 0;
        }
        String text;
        if (a.has("file")) {
            text = Files.readString(ModelArgs.localPath(a.require("file")), StandardCharsets.UTF_8);
        } else if (a.has("prompt")) {
            text = a.require("prompt");
        } else {
            throw new UsageException("give --file or -p\nusage: " + USAGE);
        }
        Tokenizer tok = Tokenizer.fromGguf(GgufFile.open(ModelArgs.localPath(a.require("model"))));
        StringJoiner j = new StringJoiner(" ");
        for (int id : tok.encode(text, a.has("bos"), a.has("special"))) {
            j.add(Integer.toString(id));
        }
        System.out.println(j);
        return 0;
    }
}
