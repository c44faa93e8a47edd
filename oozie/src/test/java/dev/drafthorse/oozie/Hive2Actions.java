package dev.drafthorse.oozie;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The shipped workflow with its hive2 actions taken out for a run without HiveServer2: each {@code <action>} holding a
 * {@code <hive2>} becomes a {@code <decision>} of the same name that goes straight to the action's {@code ok}
 * transition, so every other node, transition and argument stays exactly as shipped. The hive2 actions' scripts and
 * {@code <param>} values are returned so the test can run the same HiveQL with the same parameters in the in-process Hive.
 */
final class Hive2Actions {
    static final String WF = "uri:oozie:workflow:1.0";
    static final String HIVE2 = "uri:oozie:hive2-action:1.0";

    /** One hive2 action of the shipped workflow. */
    record Hive2(String name, String okTo, String script, List<String> params) {
        /** The params as NAME -> value with ${...} resolved from the job's properties. */
        Map<String, String> resolved(Map<String, String> props) {
            Map<String, String> out = new LinkedHashMap<>();
            for (String p : params) {
                int eq = p.indexOf('=');
                out.put(p.substring(0, eq), resolve(p.substring(eq + 1), props));
            }
            return out;
        }
    }

    /** The derived workflow and the hive2 actions it no longer runs, in document order. */
    record Variant(String workflowXml, List<Hive2> hive2) {}

    private Hive2Actions() {}

    static Variant without(String workflowXml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document doc = f.newDocumentBuilder().parse(new InputSource(new StringReader(workflowXml)));
        List<Hive2> found = new ArrayList<>();
        NodeList actions = doc.getElementsByTagNameNS(WF, "action");
        List<Element> toReplace = new ArrayList<>();
        for (int i = 0; i < actions.getLength(); i++) {
            Element a = (Element) actions.item(i);
            NodeList h = a.getElementsByTagNameNS(HIVE2, "hive2");
            if (h.getLength() == 0) {
                continue;
            }
            Element hive2 = (Element) h.item(0);
            List<String> params = new ArrayList<>();
            NodeList ps = hive2.getElementsByTagNameNS(HIVE2, "param");
            for (int j = 0; j < ps.getLength(); j++) {
                params.add(ps.item(j).getTextContent().trim());
            }
            String script = hive2.getElementsByTagNameNS(HIVE2, "script")
                    .item(0)
                    .getTextContent()
                    .trim();
            String ok = ((Element) a.getElementsByTagNameNS(WF, "ok").item(0)).getAttribute("to");
            found.add(new Hive2(a.getAttribute("name"), ok, script, params));
            toReplace.add(a);
        }
        for (Element a : toReplace) {
            String ok = ((Element) a.getElementsByTagNameNS(WF, "ok").item(0)).getAttribute("to");
            Element d = doc.createElementNS(WF, "decision");
            d.setAttribute("name", a.getAttribute("name"));
            Element sw = doc.createElementNS(WF, "switch");
            Element c = doc.createElementNS(WF, "case");
            c.setAttribute("to", ok);
            c.setTextContent("${true}");
            Element def = doc.createElementNS(WF, "default");
            def.setAttribute("to", ok);
            sw.appendChild(c);
            sw.appendChild(def);
            d.appendChild(sw);
            Node parent = a.getParentNode();
            parent.insertBefore(
                    doc.createComment(" hive2 action '" + a.getAttribute("name")
                            + "' run by the test in the in-process Hive (no HiveServer2 here) "),
                    a);
            parent.replaceChild(d, a);
        }
        StringWriter w = new StringWriter();
        var t = TransformerFactory.newInstance().newTransformer();
        t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
        t.transform(new DOMSource(doc), new StreamResult(w));
        return new Variant(w.toString(), found);
    }

    private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z0-9_.]+)}");

    /** Resolves ${name} references (recursively) as Oozie resolves job properties; an unknown name is an error. */
    static String resolve(String value, Map<String, String> props) {
        String v = value;
        for (int depth = 0; depth < 10 && v.contains("${"); depth++) {
            Matcher m = VAR.matcher(v);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String r = props.get(m.group(1));
                if (r == null) {
                    throw new IllegalArgumentException(
                            "'" + value + "' refers to ${" + m.group(1) + "}, which no property defines");
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(r));
            }
            m.appendTail(sb);
            v = sb.toString();
        }
        return v;
    }
}
