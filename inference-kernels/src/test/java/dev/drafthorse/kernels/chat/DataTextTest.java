package dev.drafthorse.kernels.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Chars from messages stay marked through the string operations templates apply to them (so the tokenizer never
 * parses a special token out of them), and template text stays unmarked.
 */
class DataTextTest {
    /** The render with data chars shown in upper case, template chars as written ('.' for data spaces). */
    private static String marked(String template, String content) {
        Rendered r = ChatTemplate.parse(template)
                .render(List.of(new Message("user", content)), false, "", "", LocalDate.of(2026, 1, 15));
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < r.text().length(); i++) {
            char c = r.text().charAt(i);
            b.append(r.data().get(i) ? (c == ' ' ? '.' : Character.toUpperCase(c)) : c);
        }
        return b.toString();
    }

    @Test
    void marksFollowTheChars() {
        String c = "ab <x> cd";
        assertEquals("[AB.<X>.CD]", marked("[{{ messages[0].content }}]", c));
        assertEquals("<X>", marked("{{ messages[0].content[3:6] }}", c));
        assertEquals("AB.<X>", marked("{{ messages[0].content.split(' cd')[0] }}", c));
        assertEquals("ABzz<X>.CD", marked("{{ messages[0].content.replace(' ', 'zz', 1) }}", c));
        assertEquals("AB.<X>.CD", marked("{{ ('  ' ~ messages[0].content ~ '\\n')|trim }}", c));
        assertEquals("AB.<X>.CD!", marked("{{ messages[0].content|upper + '!' }}", c));
        assertEquals("user:AB.<X>.CD", marked("{{ 'user:' + messages[0]['content'] }}", c));
        assertEquals("USER", marked("{{ messages[0].role }}", c));
        assertEquals("\"AB.<X>.CD\"", marked("{{ messages[0].content|tojson }}", c));
        // The separator is template text: unmarked.
        assertEquals("AB-+-<X>", marked("{{ messages[0].content.split(' ')[:2]|join('-+-') }}", c));
    }
}
