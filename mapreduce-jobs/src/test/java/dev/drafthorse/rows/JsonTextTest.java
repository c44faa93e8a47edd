package dev.drafthorse.rows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Lone surrogates: found where they are, escaped in output JSON (the same value), refused in text with their place. */
class JsonTextTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void findsOnlyLoneSurrogates() {
        assertEquals(-1, JsonText.loneSurrogate("plain"));
        assertEquals(-1, JsonText.loneSurrogate("emoji \ud83d\ude00 pair"));
        assertEquals(0, JsonText.loneSurrogate("\ud800"));
        assertEquals(0, JsonText.loneSurrogate("\udc00"));
        assertEquals(2, JsonText.loneSurrogate("ab\udc00\ud800"));
        assertEquals(1, JsonText.loneSurrogate("a\ud800")); // a high surrogate at the end
        assertEquals(3, JsonText.loneSurrogate("\ud83d\ude00x\ude00"));
    }

    @Test
    void escapedDocumentsEncodeExactlyAndReadBackTheSameStrings() throws Exception {
        for (String id : new String[] {"\ud800", "\udc00", "x\udc00\ud800y", "\ud83d\ude00", "a\ud800"}) {
            ObjectNode o = JSON.createObjectNode();
            o.put("id", id);
            String line = JsonText.escapeLoneSurrogates(JSON.writeValueAsString(o));
            byte[] utf8 = line.getBytes(StandardCharsets.UTF_8);
            assertEquals(
                    line, new String(utf8, StandardCharsets.UTF_8), "encodes to UTF-8 without replacement: " + line);
            assertEquals(id, JSON.readTree(utf8).get("id").asText(), "the same id back");
        }
        assertEquals("{\"id\":\"\\ud800\"}", JsonText.escapeLoneSurrogates("{\"id\":\"\ud800\"}"));
        assertEquals(
                "{\"t\":\"\ud83d\ude00\"}",
                JsonText.escapeLoneSurrogates("{\"t\":\"\ud83d\ude00\"}"),
                "pairs stay raw UTF-8");
    }

    @Test
    void textWithALoneSurrogateIsRefusedByField() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> JsonText.requireUnicode("prompt", "ab\ud800"));
        assertTrue(e.getMessage().startsWith("prompt holds a lone surrogate \\ud800 at char 2"), e.getMessage());
        JsonText.requireUnicode("prompt", "fine \ud83d\ude00");
    }

    @Test
    void rowParserRejectsLoneSurrogatesInTextButKeepsIds() throws Exception {
        RowParser p = new RowParser(
                RowMode.GENERATE,
                new RowDefaults(
                        8,
                        dev.drafthorse.kernels.sampling.SamplerOptions.GREEDY,
                        java.util.List.of(),
                        java.util.List.of()));
        Row r = p.json(
                b("{\"id\": \"\\ud800\", \"prompt\": \"Once\"}"),
                0,
                b("{\"id\": \"\\ud800\", \"prompt\": \"Once\"}").length);
        assertEquals("\ud800", r.id());
        for (String[] c : new String[][] {
            {"{\"id\": \"a\", \"prompt\": \"x\\udc00\"}", "prompt holds a lone surrogate \\udc00 at char 1"},
            {"{\"id\": \"a\", \"prompt\": \"x\", \"stop\": [\"\\ud800\"]}", "stop holds a lone surrogate"},
            {
                "{\"id\": \"a\", \"messages\": [{\"role\": \"user\", \"content\": \"\\ud800\"}]}",
                "messages[0].content holds a lone surrogate"
            }
        }) {
            BadRow e = assertThrows(BadRow.class, () -> p.json(b(c[0]), 0, b(c[0]).length), c[0]);
            assertEquals("a", e.id());
            assertTrue(e.reason().startsWith(c[1]), e.reason());
        }
        RowParser s = new RowParser(
                RowMode.SCORE,
                new RowDefaults(
                        0,
                        dev.drafthorse.kernels.sampling.SamplerOptions.GREEDY,
                        java.util.List.of(),
                        java.util.List.of()));
        String line = "{\"id\": \"a\", \"prompt\": \"x\", \"candidates\": [\"ok\", \"\\udfff\"]}";
        BadRow e = assertThrows(BadRow.class, () -> s.json(b(line), 0, b(line).length));
        assertTrue(e.reason().startsWith("candidates holds a lone surrogate \\udfff"), e.reason());
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
