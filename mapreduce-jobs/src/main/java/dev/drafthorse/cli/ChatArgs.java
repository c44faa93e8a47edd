package dev.drafthorse.cli;

import dev.drafthorse.kernels.chat.ChatPrompts;
import java.time.LocalDate;
import org.apache.commons.cli.Options;

/** The chat options of {@code generate} and {@code batch}: {@code --chat}, {@code --system}, {@code --date}. */
final class ChatArgs {
    private ChatArgs() {}

    static void add(Options o, String chatWhat) {
        o.addOption(Args.flag(
                "chat",
                chatWhat + " (the model's tokenizer.chat_template; special tokens are parsed in the"
                        + " template's text only, never in messages)"));
        o.addOption(Args.opt(null, "system", "TEXT", "with --chat: a system message before the user message"));
        addDate(o);
    }

    static void addDate(Options o) {
        o.addOption(Args.opt(
                null, "date", "YYYY-MM-DD", "the date the template's strftime_now reads (default: today, UTC)"));
    }

    static boolean chat(Args a) {
        if (a.has("system") && !a.has("chat")) {
            throw new UsageException("--system goes with --chat");
        }
        return a.has("chat");
    }

    /** The date strftime_now reads: --date, or today in UTC taken once now. */
    static LocalDate date(Args a) {
        if (!a.has("date")) {
            return ChatPrompts.todayUtc();
        }
        try {
            return ChatPrompts.parseDate(a.require("date"), "--date");
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
