package dev.drafthorse.hive;

import dev.drafthorse.kernels.chat.ChatPrompts;
import dev.drafthorse.kernels.chat.ChatTemplate;
import dev.drafthorse.kernels.chat.Message;
import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.model.Model;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;

/**
 * The chat keys of the Hive functions' options map: {@code chat} ('true': the prompt becomes one user message
 * rendered by the model's {@code tokenizer.chat_template}), {@code system} (a system message before it) and
 * {@code date} (YYYY-MM-DD for the template's {@code strftime_now}; by default the day the query started, from
 * Hive's query id, so every task and retry of the query renders alike; UTC today outside a query).
 *
 * @param enabled render the prompt with the chat template
 * @param system the system message, or null
 * @param date the date strftime_now reads, or null for the query's day
 */
record ChatOptions(boolean enabled, String system, LocalDate date) {
    static final List<String> KEYS = List.of("chat", "system", "date");
    static final ChatOptions OFF = new ChatOptions(false, null, null);

    /** Hive's query id: {@code user_yyyyMMddHHmmss_uuid}, the time the query was compiled. */
    private static final Pattern QUERY_ID_TIME = Pattern.compile("_(\\d{4})(\\d{2})(\\d{2})\\d{6}_");

    /** @throws IllegalArgumentException naming the key at fault */
    static ChatOptions parse(Map<String, String> options) {
        String chat = options.getOrDefault("chat", "false").trim().toLowerCase(Locale.ROOT);
        if (!chat.equals("true") && !chat.equals("false")) {
            throw new IllegalArgumentException(
                    "option 'chat' must be true or false, got '" + options.get("chat") + "'");
        }
        String system = options.get("system");
        if (system != null && !chat.equals("true")) {
            throw new IllegalArgumentException("option 'system' goes with chat = 'true'");
        }
        LocalDate date = null;
        if (options.containsKey("date")) {
            date = ChatPrompts.parseDate(options.get("date"), "option 'date'");
        }
        return new ChatOptions(chat.equals("true"), system, date);
    }

    /** The conversation of one prompt. */
    List<Message> conversation(String prompt) {
        return ChatTemplate.userTurn(system, prompt);
    }

    /** The date the template reads: the option, else the query's start day, else today (UTC). */
    LocalDate dateFor(Configuration conf) {
        if (date != null) {
            return date;
        }
        String queryId = conf == null ? null : conf.get("hive.query.id");
        if (queryId != null) {
            Matcher m = QUERY_ID_TIME.matcher(queryId);
            LocalDate found = null;
            while (m.find()) {
                found = LocalDate.of(
                        Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
            }
            if (found != null) {
                return found;
            }
        }
        return ChatPrompts.todayUtc();
    }

    /** Chat templates of the models a function instance uses, by model path and date. */
    static final class Templates {
        private final Map<String, ChatPrompts> byModel = new HashMap<>();

        /**
         * @throws IllegalArgumentException naming the model file when it has no (or a bad) chat template
         */
        ChatPrompts of(String path, Model model, LocalDate date) {
            String key = path + "@" + date;
            ChatPrompts p = byModel.get(key);
            if (p == null) {
                try {
                    p = ChatPrompts.forModel(model.file(), model.tokenizer(), date);
                } catch (GgufException e) {
                    throw new IllegalArgumentException(e.getMessage(), e);
                }
                byModel.put(key, p);
            }
            return p;
        }
    }
}
