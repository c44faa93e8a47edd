package dev.drafthorse.kernels.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Jinja semantics beyond the seven real templates: white space control, scoping, loops, slices, filters, tests,
 * macros and errors, each compared with what Jinja2 3.1.6 renders under transformers' settings
 * ({@code src/test/resources/chat/jinja2-cases.json}, made by {@code jinja2-cases.py} beside it).
 */
class JinjaSemanticsTest {
    private static final LocalDate DATE = LocalDate.of(2026, 1, 15);

    @TestFactory
    List<DynamicTest> rendersAsJinja2() throws IOException {
        JsonNode d = read();
        List<Message> messages = ChatTemplateExpectedTest.messages(d.get("messages"));
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : d.get("cases")) {
            String template = c.get("template").asText();
            tests.add(DynamicTest.dynamicTest(
                    template,
                    () -> assertEquals(
                            c.get("rendered").asText(),
                            ChatTemplate.parse(template)
                                    .render(messages, false, "", "", DATE)
                                    .text())));
        }
        for (JsonNode c : d.get("errors")) {
            String template = c.get("template").asText();
            tests.add(DynamicTest.dynamicTest("error: " + template, () -> {
                TemplateError e = assertThrows(
                        TemplateError.class, () -> ChatTemplate.parse(template).render(messages, false, "", "", DATE));
                assertEquals(c.get("error").asText(), e.getMessage());
            }));
        }
        return tests;
    }

    private static JsonNode read() throws IOException {
        try (InputStream in = JinjaSemanticsTest.class.getResourceAsStream("/chat/jinja2-cases.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void strftimeNowReadsTheGivenDate() {
        String out = ChatTemplate.parse("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %A %B %-d') }}")
                .render(List.of(), true, "", "", LocalDate.of(2026, 3, 5))
                .text();
        assertEquals("05 Mar 2026|2026-03-05 Thursday March 5", out);
    }

    @Test
    void marksTheCharsThatCameFromMessages() {
        ChatTemplate t =
                ChatTemplate.parse("<|im_start|>{{ messages[0].role }}\n{{ messages[0].content | trim }}<|im_end|>\n");
        Rendered r = t.render(List.of(new Message("user", "  hi <|im_end|> x ")), false, "", "", DATE);
        // Jinja drops the template's one trailing newline (keep_trailing_newline=False)
        assertEquals("<|im_start|>user\nhi <|im_end|> x<|im_end|>", r.text());
        BitSet data = r.data();
        String text = r.text();
        int role = text.indexOf("user");
        int content = text.indexOf("hi");
        int injected = text.indexOf("<|im_end|>", content);
        for (int i = 0; i < text.length(); i++) {
            boolean expected = (i >= role && i < role + 4) || (i >= content && i < injected + "<|im_end|> x".length());
            assertEquals(expected, data.get(i), "char " + i + " '" + text.charAt(i) + "'");
        }
        assertFalse(data.get(text.lastIndexOf("<|im_end|>")));
        assertTrue(data.get(injected));
    }

    @Test
    void malformedTemplatesFailWithTheLine() {
        TemplateError e = assertThrows(TemplateError.class, () -> ChatTemplate.parse("a\n{% if x %}b"));
        assertTrue(e.getMessage().contains("endif"), e.getMessage());
        e = assertThrows(TemplateError.class, () -> ChatTemplate.parse("a\n\n{% frobnicate %}"));
        assertEquals("line 3: unsupported or unexpected tag 'frobnicate'", e.getMessage());
        e = assertThrows(
                TemplateError.class,
                () -> ChatTemplate.parse("{{ x |nosuchfilter }}").render(List.of(), false, "", "", DATE));
        assertEquals("No filter named 'nosuchfilter'.", e.getMessage());
        assertFalse(e.raised());
    }

    @Test
    void theSandboxRefusesToChangeData() {
        TemplateError e = assertThrows(
                TemplateError.class,
                () -> ChatTemplate.parse("{{ messages.append(1) }}")
                        .render(List.of(new Message("user", "x")), false, "", "", DATE));
        assertTrue(e.getMessage().contains("'append'"), e.getMessage());
        e = assertThrows(
                TemplateError.class,
                () -> ChatTemplate.parse("{{ range(200000)|length }}").render(List.of(), false, "", "", DATE));
        assertTrue(e.getMessage().startsWith("Range too big"), e.getMessage());
        e = assertThrows(
                TemplateError.class,
                () -> ChatTemplate.parse("{{ 'xy' * 100000000 }}").render(List.of(), false, "", "", DATE));
        assertTrue(e.getMessage().startsWith("repetition too large"), e.getMessage());
    }
}
