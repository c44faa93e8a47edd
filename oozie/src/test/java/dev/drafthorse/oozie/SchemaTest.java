package dev.drafthorse.oozie;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import javax.xml.validation.Schema;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * workflow.xml and coordinator.xml against Oozie 5.2.1's own schemas (workflow 1.0 with the hive2 action 1.0,
 * coordinator 0.5): the shipped files pass, and broken variants of them fail with the schema's message naming what is
 * wrong. Each variant is derived from the shipped text, so the test follows the file as it changes.
 */
class SchemaTest {
    static Schema workflow;
    static Schema coordinator;
    static String wf;
    static String coord;

    @BeforeAll
    static void load() throws Exception {
        workflow = OozieSchemas.workflow();
        coordinator = OozieSchemas.coordinator();
        wf = OozieApp.read("workflow.xml");
        coord = OozieApp.read("coordinator.xml");
    }

    static String replaceOnce(String text, String what, String with) {
        int i = text.indexOf(what);
        assertTrue(i >= 0, "the shipped file no longer contains: " + what);
        return text.substring(0, i) + with + text.substring(i + what.length());
    }

    static void assertFails(Schema schema, String xml, String... expected) throws Exception {
        List<String> problems = OozieSchemas.problems(schema, xml, "variant.xml");
        assertFalse(problems.isEmpty(), "the broken variant passed the schema");
        String all = String.join("\n", problems);
        for (String e : expected) {
            assertTrue(all.contains(e), "expected the schema's message to mention '" + e + "', got:\n" + all);
        }
    }

    @Test
    void shippedWorkflowIsValid() throws Exception {
        assertEquals(List.of(), OozieSchemas.problems(workflow, wf, "workflow.xml"));
    }

    @Test
    void shippedCoordinatorIsValid() throws Exception {
        assertEquals(List.of(), OozieSchemas.problems(coordinator, coord, "coordinator.xml"));
    }

    @Test
    void workflowUsesTheNamespacesItIsValidatedAgainst() {
        assertTrue(wf.contains("xmlns=\"uri:oozie:workflow:1.0\""));
        assertTrue(wf.contains("xmlns=\"uri:oozie:hive2-action:1.0\""));
        assertTrue(coord.contains("xmlns=\"uri:oozie:coordinator:0.5\""));
    }

    @Test
    void missingStartFails() throws Exception {
        assertFails(workflow, replaceOnce(wf, "<start to=\"prompts\"/>", ""), "start");
    }

    @Test
    void javaActionWithoutMainClassFails() throws Exception {
        assertFails(workflow, replaceOnce(wf, "<main-class>dev.drafthorse.cli.Main</main-class>", ""), "main-class");
    }

    @Test
    void unknownElementInAnActionFails() throws Exception {
        assertFails(workflow, replaceOnce(wf, "<main-class>", "<mainclass>x</mainclass><main-class>"), "mainclass");
    }

    @Test
    void hive2ActionWithoutJdbcUrlFails() throws Exception {
        assertFails(workflow, replaceOnce(wf, "<jdbc-url>${hiveJdbcUrl}</jdbc-url>", ""), "jdbc-url");
    }

    @Test
    void killWithoutMessageFails() throws Exception {
        String broken = wf.replaceAll("(?s)(<kill name=\"fail\">)\\s*<message>.*?</message>", "$1");
        assertNotEquals(wf, broken);
        assertFails(workflow, broken, "message");
    }

    @Test
    void actionWithoutErrorTransitionFails() throws Exception {
        assertFails(
                workflow,
                replaceOnce(wf, "<ok to=\"publish\"/>\n    <error to=\"fail\"/>", "<ok to=\"publish\"/>"),
                "error");
    }

    @Test
    void badNodeNameFails() throws Exception {
        // Node names are IDENTIFIERs: a letter or underscore first.
        assertFails(workflow, replaceOnce(wf, "<join name=\"scored\"", "<join name=\"1scored\""), "1scored");
    }

    @Test
    void coordinatorWithoutFrequencyFails() throws Exception {
        assertFails(coordinator, replaceOnce(coord, "frequency=\"${coord:days(1)}\" start=", "start="), "frequency");
    }

    @Test
    void coordinatorDatasetWithoutUriTemplateFails() throws Exception {
        assertFails(coordinator, coord.replaceAll("(?s)<uri-template>.*?</uri-template>", ""), "uri-template");
    }

    @Test
    void coordinatorWithoutWorkflowAppPathFails() throws Exception {
        assertFails(coordinator, replaceOnce(coord, "<app-path>${wfAppPath}</app-path>", ""), "app-path");
    }
}
