package dev.drafthorse.rows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drafthorse.kernels.chat.Message;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Reads a {@code "messages": [{"role", "content"}, …]} array, naming the element and field of every problem. */
public final class Messages {
    private Messages() {}

    /**
     * @param field the name of the array for messages ({@code messages})
     * @throws IllegalArgumentException naming {@code field[i].role} or {@code field[i].content} and what was found
     */
    public static List<Message> parse(JsonNode node, String field) {
        if (node == null || !node.isArray()) {
            throw new IllegalArgumentException(field + " must be an array of {\"role\", \"content\"} objects");
        }
        if (node.isEmpty()) {
            throw new IllegalArgumentException(field + " must not be empty");
        }
        List<Message> out = new ArrayList<>();
        int i = 0;
        for (JsonNode m : node) {
            String at = field + "[" + i + "]";
            if (!m.isObject()) {
                throw new IllegalArgumentException(at + " must be an object {\"role\", \"content\"}, got " + m);
            }
            for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!f.equals("role") && !f.equals("content")) {
                    throw new IllegalArgumentException(
                            at + " has an unknown field '" + f + "' (messages take role, content)");
                }
            }
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual() || role.asText().isEmpty()) {
                throw new IllegalArgumentException(at + ".role must be a non-empty string, got " + role);
            }
            JsonNode content = m.get("content");
            if (content == null || !content.isTextual()) {
                throw new IllegalArgumentException(at + ".content must be a string, got " + content);
            }
            JsonText.requireUnicode(at + ".role", role.asText());
            JsonText.requireUnicode(at + ".content", content.asText());
            out.add(new Message(role.asText(), content.asText()));
            i++;
        }
        return out;
    }
}
