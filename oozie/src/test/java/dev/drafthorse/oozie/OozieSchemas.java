package dev.drafthorse.oozie;

import java.io.IOException;
import java.io.StringReader;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.transform.Source;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Oozie's own XSDs, as shipped at the root of {@code oozie-client-5.2.1.jar}: each one is read from its jar URL (the
 * source's system id), so their {@code xs:include} of {@code oozie-common-1.0.xsd} resolves inside the jar.
 */
final class OozieSchemas {
    private OozieSchemas() {}

    /** Workflow 1.0 with the action schemas the application uses (hive2 1.0). */
    static Schema workflow() throws SAXException {
        return load("oozie-workflow-1.0.xsd", "hive2-action-1.0.xsd");
    }

    static Schema coordinator() throws SAXException {
        return load("oozie-coordinator-0.5.xsd");
    }

    static Schema load(String... names) throws SAXException {
        List<Source> sources = new ArrayList<>();
        for (String name : names) {
            URL url = OozieSchemas.class.getClassLoader().getResource(name);
            if (url == null) {
                throw new IllegalStateException(
                        name + " is not on the classpath (it ships in org.apache.oozie:oozie-client:5.2.1)");
            }
            if (!url.toString().contains("oozie-client-5.2.1")) {
                throw new IllegalStateException(name + " came from " + url + ", not from oozie-client-5.2.1.jar");
            }
            sources.add(new StreamSource(url.toString()));
        }
        SchemaFactory f = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
        return f.newSchema(sources.toArray(new Source[0]));
    }

    /** Every problem the schema finds in the document (empty when it is valid), as "line N: message". */
    static List<String> problems(Schema schema, String xml, String name) throws IOException {
        List<String> out = new ArrayList<>();
        Validator v = schema.newValidator();
        v.setErrorHandler(new ErrorHandler() {
            @Override
            public void warning(SAXParseException e) {}

            @Override
            public void error(SAXParseException e) {
                out.add("line " + e.getLineNumber() + ": " + e.getMessage());
            }

            @Override
            public void fatalError(SAXParseException e) {
                out.add("line " + e.getLineNumber() + ": " + e.getMessage());
            }
        });
        StreamSource src = new StreamSource(new StringReader(xml), name);
        try {
            v.validate(src);
        } catch (SAXException e) {
            // fatal errors (not well-formed) were recorded by the handler
            if (out.isEmpty()) {
                out.add(e.getMessage());
            }
        }
        return out;
    }
}
