package dev.drafthorse.kernels.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drafthorse.kernels.SharedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of {@code shared/chat/expected.json} (seven real templates × four conversations × with and without
 * the generation prompt, rendered by Jinja2 as transformers does, strftime_now at 2026-01-15): the render byte
 * for byte, or the template's own error message.
 */
class ChatTemplateExpectedTest {
    static final LocalDate ORACLE_DATE = LocalDate.of(2026, 1, 15);

    @TestFactory
    List<DynamicTest> everyExpectedRender() throws IOException {
        Path dir = SharedFiles.root().resolve("chat");
        JsonNode expected =
                new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (Iterator<String> it = expected.get("templates").fieldNames(); it.hasNext(); ) {
            String name = it.next();
            ChatTemplate template = ChatTemplate.parse(Files.readString(dir.resolve(name + ".jinja")));
            for (JsonNode c : expected.get("templates").get(name)) {
                List<Message> messages = messages(
                        expected.get("conversations").get(c.get("conversation").asText()));
                boolean gen = c.get("add_generation_prompt").asBoolean();
                String label = name + " / " + c.get("conversation").asText() + " / add_generation_prompt=" + gen;
                tests.add(DynamicTest.dynamicTest(label, () -> {
                    if (!c.get("error").isNull()) {
                        TemplateError e = assertThrows(
                                TemplateError.class,
                                () -> template.render(
                                        messages,
                                        gen,
                                        c.get("bos_token").asText(),
                                        c.get("eos_token").asText(),
                                        ORACLE_DATE));
                        assertTrue(e.raised(), "raised by the template: " + e.getMessage());
                        assertEquals(c.get("error").asText(), e.getMessage());
                        return;
                    }
                    Rendered r = template.render(
                            messages,
                            gen,
                            c.get("bos_token").asText(),
                            c.get("eos_token").asText(),
                            ORACLE_DATE);
                    assertEquals(c.get("rendered").asText(), r.text(), label);
                }));
            }
        }
        assertEquals(56, tests.size(), "7 templates × 4 conversations × 2");
        return tests;
    }

    static List<Message> messages(JsonNode conversation) {
        List<Message> out = new ArrayList<>();
        for (JsonNode m : conversation) {
            out.add(new Message(m.get("role").asText(), m.get("content").asText()));
        }
        return out;
    }
}
