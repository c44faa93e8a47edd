package dev.drafthorse.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drafthorse.kernels.chat.ChatTemplate;
import dev.drafthorse.kernels.chat.Message;
import dev.drafthorse.kernels.chat.Rendered;
import dev.drafthorse.kernels.chat.TemplateError;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import dev.drafthorse.rows.Messages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.Options;

/**
 * {@code chat-template}: what the model will get. Prints a conversation rendered by the model's (or a file's)
 * chat template to stdout byte for byte, nothing else; a template that raises exits 1 with its message.
 */
final class ChatTemplateCommand implements Command {
    static final String USAGE =
            "drafthorse chat-template (-m MODEL.gguf | --template FILE.jinja) --messages MESSAGES.json"
                    + " [--no-generation-prompt] [--bos-token T] [--eos-token T] [--date YYYY-MM-DD]";

    @Override
    public String name() {
        return "chat-template";
    }

    @Override
    public String summary() {
        return "print a conversation rendered by a model's chat template";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        o.addOption(Args.opt("m", "model", "MODEL.gguf", "take the template (and BOS/EOS texts) from this GGUF file"));
        o.addOption(Args.opt(null, "template", "FILE.jinja", "take the template from this file (over the model's)"));
        o.addOption(Args.opt(
                null,
                "messages",
                "MESSAGES.json",
                "a JSON array [{\"role\", \"content\"}, ...] (or an object" + " with a \"messages\" array)"));
        o.addOption(Args.flag("no-generation-prompt", "leave out the assistant header that generation appends"));
        o.addOption(Args.opt(
                null, "bos-token", "T", "bos_token's text (default: the model's BOS; \"\" with --template alone)"));
        o.addOption(Args.opt(
                null, "eos-token", "T", "eos_token's text (default: the model's EOS; \"\" with --template alone)"));
        ChatArgs.addDate(o);
        Args a = Args.parse(USAGE, "Writes the rendered text to stdout exactly (no newline added).", o, args);
        if (a == null) {
            return 0;
        }
        if (!a.has("model") && !a.has("template")) {
            throw new UsageException("give -m MODEL.gguf or --template FILE.jinja\nusage: " + USAGE);
        }
        Path messagesFile = ModelArgs.localPath(a.require("messages"));
        List<Message> messages = messages(messagesFile);
        String bos = "";
        String eos = "";
        ChatTemplate template = null;
        if (a.has("model")) {
            GgufFile f = GgufFile.open(ModelArgs.localPath(a.require("model")));
            Tokenizer tok = Tokenizer.fromGguf(f);
            bos = ChatTemplate.tokenText(tok, tok.bos());
            eos = ChatTemplate.tokenText(tok, tok.eos());
            if (!a.has("template")) {
                template = ChatTemplate.fromGguf(f);
            }
        }
        if (a.has("template")) {
            Path file = ModelArgs.localPath(a.require("template"));
            try {
                template = ChatTemplate.parse(Files.readString(file, StandardCharsets.UTF_8));
            } catch (TemplateError e) {
                System.err.println("drafthorse chat-template: " + file + ": " + e.getMessage());
                return 1;
            }
        }
        bos = a.get("bos-token", bos);
        eos = a.get("eos-token", eos);
        Rendered r;
        try {
            r = template.render(messages, !a.has("no-generation-prompt"), bos, eos, ChatArgs.date(a));
        } catch (TemplateError e) {
            System.err.println(e.getMessage());
            return 1;
        }
        // The render exactly: raw UTF-8 bytes, no newline.
        System.out.write(r.text().getBytes(StandardCharsets.UTF_8));
        System.out.flush();
        return 0;
    }

    static List<Message> messages(Path file) throws java.io.IOException {
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new DataException(file + ": not JSON: " + e.getOriginalMessage());
        }
        if (n != null && n.isObject() && n.has("messages")) {
            n = n.get("messages");
        }
        try {
            return Messages.parse(n, "messages");
        } catch (IllegalArgumentException e) {
            throw new DataException(file + ": " + e.getMessage());
        }
    }

    /** Bad input data: exit 1 with the file and field named ({@link Main} prints the message). */
    static final class DataException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DataException(String message) {
            super(message);
        }
    }
}
