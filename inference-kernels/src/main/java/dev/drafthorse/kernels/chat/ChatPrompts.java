package dev.drafthorse.kernels.chat;

import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * A model's chat template bound to what a command or job fixes once: the model's BOS/EOS texts and the date
 * {@code strftime_now} reads. Turns conversations into prompt token ids for generation and scoring.
 */
public final class ChatPrompts {
    private final ChatTemplate template;
    private final Tokenizer tok;
    private final LocalDate date;

    public ChatPrompts(ChatTemplate template, Tokenizer tok, LocalDate date) {
        this.template = template;
        this.tok = tok;
        this.date = date;
    }

    /**
     * The template stored in the model file.
     *
     * @throws GgufException naming the file when it has no {@code tokenizer.chat_template} or the template is bad
     */
    public static ChatPrompts forModel(GgufFile file, Tokenizer tok, LocalDate date) throws GgufException {
        return new ChatPrompts(ChatTemplate.fromGguf(file), tok, date);
    }

    /** Today in UTC: the default date, taken once when a command or job starts. */
    public static LocalDate todayUtc() {
        return LocalDate.now(ZoneOffset.UTC);
    }

    /**
     * Parses {@code YYYY-MM-DD}.
     *
     * @param what the option that gave it, for the message ({@code --date})
     * @throws IllegalArgumentException naming the option and the value
     */
    public static LocalDate parseDate(String value, String what) {
        try {
            return LocalDate.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(what + " must be a date YYYY-MM-DD, got '" + value + "'");
        }
    }

    /** The render with the generation prompt (what generation and scoring feed the model). */
    public Rendered render(List<Message> messages) {
        String bos = ChatTemplate.tokenText(tok, tok.bos());
        String eos = ChatTemplate.tokenText(tok, tok.eos());
        return template.render(messages, true, bos, eos, date);
    }

    /**
     * The prompt ids of a conversation.
     *
     * @throws TemplateError when the template raises (the row is rejected with its message)
     */
    public int[] tokens(List<Message> messages) {
        return ChatTemplate.tokens(tok, render(messages));
    }

    /**
     * For scoring: the ids of the prompt and of the prompt followed by each continuation (as data, so markers in
     * a candidate stay text), ready for {@code Scorer.scoreTree}.
     */
    public int[] tokens(Rendered r) {
        return ChatTemplate.tokens(tok, r);
    }

    public LocalDate date() {
        return date;
    }
}
