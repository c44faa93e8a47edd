package dev.drafthorse.kernels.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The language of converted schemas, against hand-written valid and invalid documents; refusals by path. */
class JsonSchemaGrammarTest {

    private static boolean matches(String schema, String doc) {
        return GrammarMatcher.matches(JsonSchemaGrammar.compile(schema, "s.json"), doc);
    }

    @Test
    void objectsKeepLlamaCppsPropertyOrder() {
        String s = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"string\"},"
                + "\"c\":{\"type\":\"boolean\"}},\"required\":[\"b\"]}";
        assertTrue(matches(s, "{\"b\":\"x\"}"));
        assertTrue(matches(s, "{ \"b\" : \"x\", \"a\" : 1, \"c\" : true }"));
        assertTrue(!matches(s, "{\"b\":\"x\" ,\"a\":1}"), "no space before a comma, as in llama.cpp");
        assertTrue(matches(s, "{\"b\":\"x\",\"c\":false}"));
        assertTrue(!matches(s, "{\"a\":1,\"b\":\"x\"}"), "required first, then optional in order");
        assertTrue(!matches(s, "{\"b\":\"x\",\"c\":true,\"a\":1}"), "optional ones in declaration order");
        assertTrue(!matches(s, "{}"));
        assertTrue(!matches(s, "{\"b\":\"x\"} "), "no space after the value");
    }

    @Test
    void arraysEnumsConstsFormatsAndStrings() {
        String arr = "{\"type\":\"array\",\"items\":{\"type\":\"number\"},\"minItems\":1,\"maxItems\":2}";
        assertTrue(matches(arr, "[1]"));
        assertTrue(matches(arr, "[ -1.5e3,\n  0 ]"));
        assertTrue(!matches(arr, "[]"));
        assertTrue(!matches(arr, "[1,2,3]"));
        assertTrue(!matches(arr, "[01]"));
        String en = "{\"enum\":[\"red\",1,null,{\"k\":[true]}]}";
        assertTrue(matches(en, "\"red\""));
        assertTrue(matches(en, "null"));
        assertTrue(matches(en, "{\"k\":[true]}"));
        assertTrue(!matches(en, "\"blue\""));
        assertTrue(matches("{\"const\":\"a\\\"b\"}", "\"a\\\"b\""));
        assertTrue(matches("{\"type\":\"string\",\"format\":\"date\"}", "\"2024-02-29\""));
        assertTrue(!matches("{\"type\":\"string\",\"format\":\"date\"}", "\"2024-13-01\""));
        assertTrue(matches("{\"type\":\"string\",\"format\":\"date-time\"}", "\"2024-02-29T23:59:01.123Z\""));
        assertTrue(matches("{\"type\":\"string\",\"format\":\"time\"}", "\"10:00:00+01:00\""));
        assertTrue(matches("{\"type\":\"string\",\"format\":\"uuid\"}", "\"123e4567-e89b-12d3-a456-426614174000\""));
        String len = "{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}";
        assertTrue(matches(len, "\"ab\""));
        assertTrue(matches(len, "\"a\\n\\u00e9\""));
        assertTrue(!matches(len, "\"a\""));
        assertTrue(!matches(len, "\"abcd\""));
        assertTrue(matches("{\"type\":[\"string\",\"null\"]}", "null"));
        assertTrue(matches("{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"boolean\"}]}", "false"));
        assertTrue(matches("{}", "{\"any\":[1,{\"x\":null}]}"));
    }

    @Test
    void referencesAndAdditionalProperties() {
        String tree = "{\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"integer\"},"
                + "\"kids\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/node\"}}},\"required\":[\"v\"]}},"
                + "\"$ref\":\"#/$defs/node\"}";
        assertTrue(matches(tree, "{\"v\":1,\"kids\":[{\"v\":2},{\"v\":3,\"kids\":[]}]}"));
        assertTrue(!matches(tree, "{\"v\":1,\"kids\":[{}]}"));
        String extra =
                "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},\"additionalProperties\":{\"type\":\"string\"}}";
        assertTrue(matches(extra, "{\"a\":1,\"zz\":\"x\",\"ab\":\"y\"}"));
        assertTrue(!matches(extra, "{\"zz\":1}"));
        assertTrue(!matches(extra, "{\"a\":\"not an int\"}"), "a declared key is not an additional one");
        String closed =
                "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},\"additionalProperties\":false}";
        assertTrue(!matches(closed, "{\"a\":1,\"b\":2}"));
    }

    @Test
    void integerBoundsAcceptExactlyTheRange() {
        Random rnd = new Random(18);
        long[][] ranges = {
            {0, 9},
            {1, 20},
            {-5, 5},
            {-120, -7},
            {7, 1234},
            {0, 0},
            {-10, Long.MAX_VALUE},
            {15, Long.MAX_VALUE},
            {Long.MIN_VALUE, 42},
            {Long.MIN_VALUE, -3},
            {100, 999}
        };
        for (long[] r : ranges) {
            StringBuilder s = new StringBuilder("{\"type\":\"integer\"");
            if (r[0] != Long.MIN_VALUE) {
                s.append(",\"minimum\":").append(r[0]);
            }
            if (r[1] != Long.MAX_VALUE) {
                s.append(",\"maximum\":").append(r[1]);
            }
            Grammar g = JsonSchemaGrammar.compile(s.append('}').toString(), "int.json");
            for (long v = -1300; v <= 1300; v += 1 + rnd.nextInt(3)) {
                boolean in = v >= r[0] && v <= r[1];
                assertEquals(in, GrammarMatcher.matches(g, Long.toString(v)), s + " on " + v);
            }
            assertEquals(!(r[1] < 0) && r[0] <= 0, GrammarMatcher.matches(g, "0"), s + " on 0");
            assertTrue(!GrammarMatcher.matches(g, "007"), s + ": no leading zeros");
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"type\":\"object\",}                                              | s.json 1:18: expecting a string key",
                "{\"type\":\"string\",\"pattern\":\"^a+$\"}                               | s.json at $.pattern: the keyword 'pattern'",
                "{\"properties\":{\"a\":{\"type\":\"strin\"}}}                           | s.json at $.properties.a.type: unknown type",
                "{\"type\":\"string\",\"minLength\":5,\"maxLength\":2}                    | s.json at $.minLength: minLength 5 exceeds",
                "{\"type\":\"array\",\"items\":{},\"maxItems\":-1}                       | s.json at $.maxItems: maxItems must be",
                "{\"properties\":{\"a\":{}},\"required\":[\"b\"]}                          | s.json at $.required: required property \"b\"",
                "{\"$ref\":\"https://example.com/s.json\"}                             | s.json at $.$ref: only local references",
                "{\"$ref\":\"#/$defs/nope\"}                                           | s.json at $.$ref: cannot resolve",
                "{\"type\":\"number\",\"minimum\":0.5}                                   | s.json at $: minimum/maximum are supported on integers",
                "{\"type\":\"integer\",\"minimum\":5,\"maximum\":1}                       | s.json at $: the integer range is empty",
                "{\"allOf\":[{}]}                                                     | s.json at $.allOf: the keyword 'allOf'",
                "[1]                                                                | s.json at $: a schema must be a JSON object",
            })
    void malformedOrUnsupportedSchemasAreRefusedByPlace(String schema, String message) {
        GrammarException e =
                assertThrows(GrammarException.class, () -> JsonSchemaGrammar.compile(schema.strip(), "s.json"));
        assertTrue(e.getMessage().startsWith(message.strip()), e.getMessage());
    }
}
