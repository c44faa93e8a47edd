package dev.drafthorse.hive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PromptTemplateTest {

    private static String render(String template, Map<String, String> values) {
        StringBuilder sb = new StringBuilder();
        int failed = PromptTemplate.parse(template).render(values::get, sb);
        assertEquals(-1, failed, "placeholder left unfilled");
        return sb.toString();
    }

    @Test
    void fillsPlaceholdersInOrderWithRepeats() {
        PromptTemplate t = PromptTemplate.parse("{a} and {b_2}, then {a} again");
        assertEquals(List.of("a", "b_2", "a"), t.placeholders());
        assertEquals("x and y, then x again", render("{a} and {b_2}, then {a} again", Map.of("a", "x", "b_2", "y")));
    }

    @Test
    void doubledBracesAreLiteral() {
        assertEquals("{\"label\": \"x\"} {a}", render("{{\"label\": \"{v}\"}} {{a}}", Map.of("v", "x")));
    }

    @Test
    void textWithoutPlaceholdersIsItself() {
        assertEquals("plain text", render("plain text", Map.of()));
        assertEquals("", render("", Map.of()));
    }

    @Test
    void valuesAreNotReinterpreted() {
        assertEquals("a {b} c", render("a {x} c", Map.of("x", "{b}")));
    }

    @Test
    void reportsTheFirstUnfilledPlaceholder() {
        PromptTemplate t = PromptTemplate.parse("{a} {missing} {also}");
        StringBuilder sb = new StringBuilder();
        int failed = t.render(Map.of("a", "1")::get, sb);
        assertEquals(1, failed);
        assertEquals("missing", t.name(failed));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "hello {name|bad placeholder '{name' at character 7",
                "{} empty|bad placeholder '{}' at character 1",
                "{two words}|bad placeholder '{two words}' at character 1",
                "{1st}|bad placeholder '{1st}' at character 1",
                "a } b|unmatched '}' at character 3",
            })
    void malformedTemplatesNameThePosition(String template, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptTemplate.parse(template));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
