package dev.drafthorse.kernels.chat;

import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template ({@code tokenizer.chat_template}), rendered as Hugging Face transformers'
 * {@code apply_chat_template} renders it: Jinja 3.1 in a sandbox with {@code trim_blocks},
 * {@code lstrip_blocks} and loop controls, the variables {@code messages}, {@code add_generation_prompt},
 * {@code bos_token}, {@code eos_token}, {@code tools} and {@code documents} (None), and the functions
 * {@code raise_exception(message)} and {@code strftime_now(format)}.
 *
 * <p>Why an engine of our own: the Java Jinja engine on Maven Central (HubSpot's Jinjava 2.7.4 and 2.8.4) renders
 * 12 of the 56 reference renders in {@code shared/chat/expected.json}: it keeps the white space that
 * {@code {%-}/{@code {{-} should strip, has no {@code namespace()} and none of Python's string methods
 * ({@code rstrip}, {@code startswith}) that real templates call. This engine covers the Jinja those templates
 * use (see {@link Parser} and {@link Builtins}), and refuses the rest by name.
 *
 * <p>{@code strftime_now} reads a fixed date (midnight UTC of {@code date}), so a job renders every row alike
 * whenever and wherever its tasks run.
 *
 * <p>The render remembers which chars came from the messages ({@link Rendered#data()}); {@link #tokens} parses
 * special tokens in the template's text only, so markers written inside a message stay text.
 */
public final class ChatTemplate {
    /** The GGUF metadata key that holds the template. */
    public static final String GGUF_KEY = "tokenizer.chat_template";

    private final List<Node> nodes;

    private ChatTemplate(List<Node> nodes) {
        this.nodes = nodes;
    }

    /**
     * @throws TemplateError if the template is not valid Jinja or uses a statement this engine does not run
     */
    public static ChatTemplate parse(String source) {
        return new ChatTemplate(Parser.parse(source));
    }

    /**
     * The template of a model file.
     *
     * @throws GgufException naming the file and key when the model has no template or it does not parse
     */
    public static ChatTemplate fromGguf(GgufFile f) throws GgufException {
        if (!f.has(GGUF_KEY)) {
            throw new GgufException(
                    f.path().toString(),
                    "metadata '" + GGUF_KEY + "'",
                    "the model has no chat template (give one with --template FILE.jinja)");
        }
        String source = f.getString(GGUF_KEY);
        try {
            return parse(source);
        } catch (TemplateError e) {
            throw new GgufException(
                    f.path().toString(), "metadata '" + GGUF_KEY + "'", "bad chat template: " + e.getMessage());
        }
    }

    /**
     * Renders a conversation.
     *
     * @param messages the turns, in order
     * @param addGenerationPrompt end with the header of the assistant's turn (what generation wants)
     * @param bosToken the text of the model's BOS token ({@code <|begin_of_text|>}), or "" if none
     * @param eosToken the text of the model's EOS token, or ""
     * @param date the date {@code strftime_now} reads (UTC)
     * @throws TemplateError when the template raises (then {@link TemplateError#raised()}, with the template's
     *     message) or fails
     */
    public Rendered render(
            List<Message> messages, boolean addGenerationPrompt, String bosToken, String eosToken, LocalDate date) {
        Scope.Output out = new Scope.Output();
        Scope root = new Scope(null, out);
        for (Map.Entry<String, Object> g : Builtins.globals().entrySet()) {
            root.set(g.getKey(), g.getValue());
        }
        root.set("raise_exception", (Py.Callable) (a, kw) -> {
            throw new TemplateError(a.isEmpty() ? "" : Py.str(a.get(0)), true);
        });
        root.set("strftime_now", (Py.Callable) (a, kw) -> {
            if (a.isEmpty() || !DataText.isString(a.get(0))) {
                throw TemplateError.of("strftime_now(format) needs a format string");
            }
            return Strftime.format(DataText.value(a.get(0)), date.atStartOfDay());
        });
        List<Object> msgs = new ArrayList<>();
        for (Message m : messages) {
            Map<Object, Object> map = new LinkedHashMap<>();
            map.put("role", DataText.data(m.role()));
            map.put("content", m.content() == null ? null : DataText.data(m.content()));
            msgs.add(map);
        }
        root.set("messages", msgs);
        root.set("add_generation_prompt", addGenerationPrompt);
        root.set("bos_token", bosToken);
        root.set("eos_token", eosToken);
        root.set("tools", null);
        root.set("documents", null);
        Scope top = root.child();
        try {
            Node.renderAll(nodes, top);
        } catch (Node.LoopControl c) {
            throw TemplateError.of("'break' or 'continue' outside a loop");
        } catch (StackOverflowError e) {
            throw TemplateError.of("the template recursed too deeply");
        }
        return new Rendered(out.text.toString(), out.data);
    }

    /**
     * The token ids of a render: special tokens parsed in the template's text only, and BOS first when the model
     * wants one and the template did not write it (llama.cpp's rule, which avoids a doubled BOS).
     */
    public static int[] tokens(Tokenizer tok, Rendered r) {
        int[] ids = tok.encode(r.text(), false, r.data());
        if (!tok.addBosDefault() || tok.bos() < 0 || (ids.length > 0 && ids[0] == tok.bos())) {
            return ids;
        }
        int[] withBos = new int[ids.length + 1];
        withBos[0] = tok.bos();
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        return withBos;
    }

    /** The text of a special token for {@code bos_token}/{@code eos_token}: "" when the model has none. */
    public static String tokenText(Tokenizer tok, int id) {
        return id < 0 ? "" : tok.tokenText(id);
    }

    /** A conversation of one user message, with an optional system message before it. */
    public static List<Message> userTurn(String system, String user) {
        List<Message> out = new ArrayList<>();
        if (system != null) {
            out.add(new Message("system", system));
        }
        out.add(new Message("user", user));
        return out;
    }
}
