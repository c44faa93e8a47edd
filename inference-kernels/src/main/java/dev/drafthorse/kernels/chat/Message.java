package dev.drafthorse.kernels.chat;

/**
 * One turn of a conversation, as a row's {@code "messages"} array gives it.
 *
 * @param role {@code system}, {@code user}, {@code assistant} or whatever the template knows
 * @param content the turn's text; null renders as the template renders Python's None
 */
public record Message(String role, String content) {
    public Message {
        if (role == null) {
            throw new IllegalArgumentException("a message needs a role");
        }
    }
}
