package dev.drafthorse.ensemble.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.data.SourceSpec;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What a model file says about itself before its payload: read and checked before a byte of the payload is
 * deserialized. Stored as one JSON object with fields in a fixed order (and no timestamps or host names),
 * so the same training gives the same bytes.
 *
 * @param formatVersion the model-file format version
 * @param smileVersion  the Smile version that wrote the payload (Java serialization of Smile classes is not
 *                      stable across Smile versions, so a different one is refused)
 * @param method        bagging, boosting or stacking
 * @param classes       the label set, sorted; posteriors are in this order
 * @param features      feature names in the order the payload expects them
 * @param sources       the inputs the features come from ({@code []} for a model trained on a bare table)
 * @param params        every {@code ensemble.*} hyperparameter
 * @param training      training metadata: counts and scores (sorted by key)
 * @param payloadClass  the class of the serialized top-level object
 */
public record ModelHeader(
        int formatVersion,
        String smileVersion,
        EnsembleParams.Method method,
        List<String> classes,
        List<String> features,
        List<SourceSpec> sources,
        Map<String, String> params,
        Map<String, String> training,
        String payloadClass) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelHeader {
        classes = List.copyOf(classes);
        features = List.copyOf(features);
        sources = List.copyOf(sources);
        params = java.util.Collections.unmodifiableMap(new TreeMap<>(params));
        training = java.util.Collections.unmodifiableMap(new TreeMap<>(training));
    }

    /** The hyperparameters as a validated record. */
    public EnsembleParams ensembleParams() {
        Properties p = new Properties();
        params.forEach(p::setProperty);
        return EnsembleParams.of(p);
    }

    /**
     * The Smile version on the class path: Smile's jar manifest ({@code Implementation-Version}), else the version this
     * module was built with ({@code smile.properties}, written by the build: a shaded jar such as the job jar keeps
     * only its own manifest), else {@code "unknown"}.
     */
    public static String runtimeSmileVersion() {
        String v = smile.math.MathEx.class.getPackage().getImplementationVersion();
        if (v != null) {
            return v;
        }
        try (InputStream in = ModelHeader.class.getResourceAsStream("/dev/drafthorse/ensemble/smile.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String b = p.getProperty("smile.version");
                if (b != null && !b.isBlank() && !b.startsWith("$")) {
                    return b.trim();
                }
            }
        } catch (IOException ignored) {
            // fall through
        }
        return "unknown";
    }

    public byte[] toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", "drafthorse-ensemble");
        o.put("format_version", formatVersion);
        o.put("smile_version", smileVersion);
        o.put("method", method.name().toLowerCase(Locale.ROOT));
        ArrayNode c = o.putArray("classes");
        classes.forEach(c::add);
        ArrayNode f = o.putArray("features");
        features.forEach(f::add);
        ArrayNode s = o.putArray("sources");
        for (SourceSpec spec : sources) {
            ObjectNode n = s.addObject();
            n.put("name", spec.name());
            n.put("kind", spec.kind().name().toLowerCase(Locale.ROOT));
            ArrayNode v = n.putArray("values");
            spec.values().forEach(v::add);
        }
        ObjectNode p = o.putObject("params");
        params.forEach(p::put);
        ObjectNode t = o.putObject("training");
        training.forEach(t::put);
        o.put("payload_class", payloadClass);
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses and checks a header.
     *
     * @param where the file name for messages
     * @throws ModelFileException naming the field at fault
     */
    public static ModelHeader fromJson(byte[] json, String where) throws ModelFileException {
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (IOException e) {
            throw new ModelFileException(where + ": header is not valid JSON: " + e.getMessage());
        }
        if (o == null || !o.isObject()) {
            throw new ModelFileException(where + ": header is not a JSON object");
        }
        String format = text(o, "format", where);
        if (!format.equals("drafthorse-ensemble")) {
            throw new ModelFileException(
                    where + ": header field 'format' is '" + format + "', expected 'drafthorse-ensemble'");
        }
        JsonNode fv = o.get("format_version");
        if (fv == null || !fv.isInt()) {
            throw new ModelFileException(where + ": header field 'format_version' is missing or not an integer");
        }
        EnsembleParams.Method method;
        String m = text(o, "method", where);
        try {
            method = EnsembleParams.Method.valueOf(m.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(where + ": header field 'method' has unknown value '" + m + "'");
        }
        List<String> classes = strings(o, "classes", where);
        if (classes.size() < 2) {
            throw new ModelFileException(
                    where + ": header field 'classes' has " + classes.size() + " entries, expected at least 2");
        }
        List<String> features = strings(o, "features", where);
        List<SourceSpec> sources = new ArrayList<>();
        JsonNode s = o.get("sources");
        if (s == null || !s.isArray()) {
            throw new ModelFileException(where + ": header field 'sources' is missing or not an array");
        }
        for (int i = 0; i < s.size(); i++) {
            JsonNode n = s.get(i);
            String field = "sources[" + i + "]";
            if (!n.isObject()) {
                throw new ModelFileException(where + ": header field '" + field + "' is not an object");
            }
            String kind = text(n, "kind", where + " " + field);
            SourceSpec.Kind k;
            try {
                k = SourceSpec.Kind.valueOf(kind.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(
                        where + ": header field '" + field + ".kind' has unknown value '" + kind + "'");
            }
            try {
                sources.add(new SourceSpec(
                        text(n, "name", where + " " + field), k, strings(n, "values", where + " " + field)));
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(where + ": header field '" + field + "': " + e.getMessage());
            }
        }
        ModelHeader h = new ModelHeader(
                fv.asInt(),
                text(o, "smile_version", where),
                method,
                classes,
                features,
                sources,
                map(o, "params", where),
                map(o, "training", where),
                text(o, "payload_class", where));
        if (!sources.isEmpty()) {
            List<String> implied;
            try {
                implied = dev.drafthorse.ensemble.data.Features.names(sources);
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(where + ": header field 'sources': " + e.getMessage());
            }
            if (!implied.equals(features)) {
                throw new ModelFileException(where + ": header fields 'sources' and 'features' disagree");
            }
        }
        try {
            h.ensembleParams();
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(where + ": header field 'params': " + e.getMessage());
        }
        return h;
    }

    private static String text(JsonNode o, String field, String where) throws ModelFileException {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual()) {
            throw new ModelFileException(where + ": header field '" + field + "' is missing or not a string");
        }
        return n.asText();
    }

    private static List<String> strings(JsonNode o, String field, String where) throws ModelFileException {
        JsonNode n = o.get(field);
        if (n == null || !n.isArray()) {
            throw new ModelFileException(where + ": header field '" + field + "' is missing or not an array");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw new ModelFileException(where + ": header field '" + field + "' holds a non-string " + e);
            }
            out.add(e.asText());
        }
        return out;
    }

    private static Map<String, String> map(JsonNode o, String field, String where) throws ModelFileException {
        JsonNode n = o.get(field);
        if (n == null || !n.isObject()) {
            throw new ModelFileException(where + ": header field '" + field + "' is missing or not an object");
        }
        Map<String, String> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new ModelFileException(
                        where + ": header field '" + field + "." + e.getKey() + "' is not a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }
}
