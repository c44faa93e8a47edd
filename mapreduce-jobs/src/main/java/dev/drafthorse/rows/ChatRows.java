package dev.drafthorse.rows;

import dev.drafthorse.kernels.chat.ChatPrompts;
import dev.drafthorse.kernels.chat.ChatTemplate;
import dev.drafthorse.kernels.chat.Message;
import dev.drafthorse.kernels.chat.Rendered;
import dev.drafthorse.kernels.chat.TemplateError;
import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.model.Model;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * Chat rows of one model: the model's template with the job's fixed date, loaded on the first chat row (so a
 * model without a template still runs plain rows, and its chat rows are rejected with the reason). A template that
 * raises rejects the row with the template's own message.
 */
public final class ChatRows {
    private final Model model;
    private final LocalDate date;
    private ChatPrompts prompts;
    private String unavailable;

    public ChatRows(Model model, LocalDate date) {
        this.model = model;
        this.date = date;
    }

    private ChatPrompts prompts(String id) throws BadRow {
        if (prompts == null && unavailable == null) {
            try {
                prompts = ChatPrompts.forModel(model.file(), model.tokenizer(), date);
            } catch (GgufException e) {
                unavailable = e.getMessage();
            }
        }
        if (prompts == null) {
            throw new BadRow(id, unavailable);
        }
        return prompts;
    }

    private Rendered render(String id, List<Message> messages) throws BadRow {
        try {
            return prompts(id).render(messages);
        } catch (TemplateError e) {
            throw new BadRow(id, e.raised() ? e.getMessage() : "chat template error: " + e.getMessage());
        }
    }

    /** The row's prompt ids: its conversation rendered with the generation prompt. */
    public int[] tokens(String id, List<Message> messages) throws BadRow {
        return ChatTemplate.tokens(model.tokenizer(), render(id, messages));
    }

    /**
     * For scoring: element 0 is the prompt's ids, element 1 + i the ids of the prompt followed by candidate i (the
     * candidate is data: markers in it stay text).
     */
    public List<int[]> scoreTokens(String id, List<Message> messages, List<String> candidates) throws BadRow {
        Rendered r = render(id, messages);
        List<int[]> out = new ArrayList<>();
        out.add(ChatTemplate.tokens(model.tokenizer(), r));
        for (String c : candidates) {
            out.add(ChatTemplate.tokens(model.tokenizer(), r.plusData(c)));
        }
        return out;
    }
}
