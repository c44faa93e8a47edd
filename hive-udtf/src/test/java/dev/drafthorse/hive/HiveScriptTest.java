package dev.drafthorse.hive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class HiveScriptTest {

    @Test
    void splitsAtSemicolonsOutsideQuotesAndComments() {
        String script = """
                -- a comment; not a statement
                SELECT 'a;b', "c;d", `e;f` FROM t;  -- trailing; comment

                SET x=1
                ;
                SELECT 'it''s', 'back\\'slash;'
                """;
        List<HiveScript.Statement> s = HiveScript.split(script);
        assertEquals(3, s.size());
        assertEquals("SELECT 'a;b', \"c;d\", `e;f` FROM t", s.get(0).text());
        assertEquals(2, s.get(0).line());
        assertEquals("SET x=1", s.get(1).text());
        assertEquals(4, s.get(1).line());
        assertEquals("SELECT 'it''s', 'back\\'slash;'", s.get(2).text());
        assertEquals(6, s.get(2).line());
    }

    @Test
    void blankStatementsAreSkipped() {
        assertEquals(List.of(), HiveScript.split(" ;\n ; -- nothing\n"));
        assertEquals(1, HiveScript.split("SELECT 1").size());
    }

    @Test
    void unterminatedQuoteIsAnError() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> HiveScript.split("SELECT 1;\nSELECT 'x;"));
        assertEquals("unterminated ' quote in the statement starting on line 2", e.getMessage());
    }
}
