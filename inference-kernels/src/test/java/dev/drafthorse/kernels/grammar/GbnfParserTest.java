package dev.drafthorse.kernels.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** GBNF syntax, the language each construct stands for, and errors that name their line and column. */
class GbnfParserTest {

    private static void accepts(String grammar, String... texts) {
        Grammar g = Grammar.parse(grammar);
        for (String t : texts) {
            assertTrue(GrammarMatcher.matches(g, t), "'" + t + "' should match " + grammar);
        }
    }

    private static void rejects(String grammar, String... texts) {
        Grammar g = Grammar.parse(grammar);
        for (String t : texts) {
            assertFalse(GrammarMatcher.matches(g, t), "'" + t + "' should not match " + grammar);
        }
    }

    @Test
    void sequencesAlternativesAndGroups() {
        String g = "root ::= \"a\" (\"b\" | \"cd\") rest\nrest ::= \"x\" | \"\"  # a comment\n";
        accepts(g, "ab", "acd", "abx", "acdx");
        rejects(g, "a", "ac", "abxx", "b");
    }

    @Test
    void repetitions() {
        accepts("root ::= \"a\"{2,3}", "aa", "aaa");
        rejects("root ::= \"a\"{2,3}", "", "a", "aaaa");
        accepts("root ::= \"ab\"{2}", "abab");
        rejects("root ::= \"ab\"{2}", "ab", "ababab");
        accepts("root ::= [0-9]{2,}", "12", "12345");
        rejects("root ::= [0-9]{2,}", "1");
        accepts("root ::= \"x\"* \"y\"+ \"z\"?", "y", "xxyy", "yz", "xyyz");
        rejects("root ::= \"x\"* \"y\"+ \"z\"?", "", "x", "xz", "yzz");
        accepts("root ::= (\"a\" | \"b\"){0,2} \".\"", ".", "a.", "ba.");
        rejects("root ::= (\"a\" | \"b\"){0,2} \".\"", "aba.");
    }

    @Test
    void characterClassesEscapesAndAny() {
        accepts("root ::= [a-cx] [^0-9\\n] .", "a!z", "xy\u00e9", "c\u4e2d\u6587");
        rejects("root ::= [a-cx] [^0-9\\n] .", "d!z", "a5z", "a\nz", "a!");
        accepts(
                "root ::= \"\\x41\\u00e9\\U0001F600\\t\\\"\\\\\" [\\]\\[]",
                "A\u00e9\uD83D\uDE00\t\"\\]",
                "A\u00e9\uD83D\uDE00\t\"\\[");
        accepts("root ::= [-a]", "-", "a");
        accepts("root ::= \"\u00fcber\"", "\u00fcber");
    }

    @Test
    void rulesMayBeUsedBeforeTheyAreDefinedAndRecurse() {
        String g = "root ::= list\nlist ::= \"[\" ( item ( \",\" item )* )? \"]\"\nitem ::= [0-9]+ | list\n";
        accepts(g, "[]", "[1,22]", "[[1],[],3]");
        rejects(g, "[", "[1,]", "[[1]");
    }

    @Test
    void rulesSpanLinesInsideParentheses() {
        accepts("root ::= (\n  \"a\" |\n  \"b\"\n)\n", "a", "b");
    }

    @Test
    void errorsNameLineAndColumn() {
        String[][] cases = {
            {"root = \"a\"", "1:6", "expecting '::='"},
            {"root ::= \"a\nb\"", "1:12", "newline inside a string literal"},
            {"root ::= \"abc", "1:10", "unterminated string literal"},
            {"root ::= [a-", "1:10", "unterminated character class"},
            {"root ::= [z-a]", "1:13", "backwards"},
            {"root ::= []", "1:10", "empty character class"},
            {"root ::= \"a\\q\"", "1:12", "unknown escape"},
            {"root ::= \"\\x4g\"", "1:14", "expecting a hex digit"},
            {"root ::= (\"a\"", "1:14", "expecting ')'"},
            {"root ::= * \"a\"", "1:10", "no preceding item"},
            {"root ::= \"a\"{3,1}", "1:16", "below its minimum"},
            {"root ::= \"a\"{2", "1:15", "expecting '}'"},
            {"root ::= \"a\" )", "1:14", "expecting a newline"},
            {"root ::= <[12]>", "1:10", "token references"},
            {"root ::= x\nx ::= \"a\"\nx ::= \"b\"", "3:1", "defined twice"},
            {"root ::= \"a\" item", "1:14", "undefined rule 'item'"},
            {"root ::= \"a\"\n  ::= \"b\"", "2:3", "expecting a rule name"},
        };
        for (String[] c : cases) {
            GrammarException e = assertThrows(GrammarException.class, () -> Grammar.parse(c[0], "g.gbnf"), c[0]);
            assertTrue(e.getMessage().startsWith("g.gbnf " + c[1] + ":"), c[0] + " -> " + e.getMessage());
            assertTrue(e.getMessage().contains(c[2]), c[0] + " -> " + e.getMessage());
        }
    }

    @Test
    void grammarWithoutRootIsRefused() {
        GrammarException e = assertThrows(GrammarException.class, () -> Grammar.parse("start ::= \"a\"\n", "g.gbnf"));
        assertEquals("g.gbnf: the grammar has no 'root' rule", e.getMessage());
    }

    @Test
    void leftRecursionIsRefused() {
        GrammarException e = assertThrows(
                GrammarException.class,
                () -> Grammar.parse("root ::= expr\nexpr ::= opt expr \"+\" | \"1\"\nopt ::= \"-\"?\n", "g.gbnf"));
        assertTrue(e.getMessage().contains("left-recursive"), e.getMessage());
        // right recursion is fine
        accepts("root ::= \"1\" ( \"+\" root )?", "1", "1+1+1");
    }
}
