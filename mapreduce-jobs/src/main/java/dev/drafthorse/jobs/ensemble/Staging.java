package dev.drafthorse.jobs.ensemble;

import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.data.SourceSpec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The training data the driver hands its reduce tasks: the joined, labeled feature table, the source specs and
 * the hyperparameters, in a small binary form of our own (no Java serialization: the tasks read it from the
 * filesystem). Doubles travel as their IEEE bits, so a task trains on exactly the driver's numbers.
 *
 * <pre>
 * "DHSTAGE1", then: classes, feature names, ids (string lists); n x p doubles; n ints (y);
 * unlabeled, unmatched labels (ints); sources (name, kind, values); params (sorted key/value pairs)
 * </pre>
 */
final class Staging {
    private Staging() {}

    private static final String MAGIC = "DHSTAGE1";

    /** What a task trains on. */
    record Data(Dataset data, List<SourceSpec> sources, EnsembleParams params) {}

    static void write(Data s, OutputStream out) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        Dataset ds = s.data();
        d.writeUTF(MAGIC);
        strings(d, ds.classes());
        strings(d, ds.featureNames());
        strings(d, ds.ids());
        d.writeInt(ds.size());
        d.writeInt(ds.width());
        for (double[] row : ds.x()) {
            for (double v : row) {
                d.writeLong(Double.doubleToRawLongBits(v));
            }
        }
        for (int y : ds.y()) {
            d.writeInt(y);
        }
        d.writeInt(ds.unlabeled());
        d.writeInt(ds.unmatchedLabels());
        d.writeInt(s.sources().size());
        for (SourceSpec sp : s.sources()) {
            d.writeUTF(sp.name());
            d.writeUTF(sp.kind().name());
            strings(d, sp.values());
        }
        Map<String, String> params = s.params().asMap();
        d.writeInt(params.size());
        for (Map.Entry<String, String> e : params.entrySet()) {
            d.writeUTF(e.getKey());
            d.writeUTF(e.getValue());
        }
        d.flush();
    }

    static Data read(InputStream in, String where) throws IOException {
        DataInputStream d = new DataInputStream(in);
        String magic = d.readUTF();
        if (!MAGIC.equals(magic)) {
            throw new IOException(where + ": not an ensemble staging file (magic '" + magic + "')");
        }
        List<String> classes = strings(d);
        List<String> names = strings(d);
        List<String> ids = strings(d);
        int n = d.readInt();
        int p = d.readInt();
        if (n != ids.size() || p != names.size()) {
            throw new IOException(where + ": " + n + "x" + p + " values for " + ids.size() + " ids and " + names.size()
                    + " features");
        }
        double[][] x = new double[n][p];
        for (double[] row : x) {
            for (int j = 0; j < p; j++) {
                row[j] = Double.longBitsToDouble(d.readLong());
            }
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = d.readInt();
        }
        int unlabeled = d.readInt();
        int unmatched = d.readInt();
        int ns = d.readInt();
        List<SourceSpec> sources = new ArrayList<>();
        for (int i = 0; i < ns; i++) {
            String name = d.readUTF();
            SourceSpec.Kind kind = SourceSpec.Kind.valueOf(d.readUTF());
            sources.add(new SourceSpec(name, kind, strings(d)));
        }
        int np = d.readInt();
        Map<String, String> params = new TreeMap<>();
        for (int i = 0; i < np; i++) {
            params.put(d.readUTF(), d.readUTF());
        }
        Properties props = new Properties();
        params.forEach(props::setProperty);
        return new Data(
                new Dataset(ids, names, x, y, classes, unlabeled, unmatched), sources, EnsembleParams.of(props));
    }

    private static void strings(DataOutputStream d, List<String> l) throws IOException {
        d.writeInt(l.size());
        for (String s : l) {
            byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            d.writeInt(b.length);
            d.write(b);
        }
    }

    private static List<String> strings(DataInputStream d) throws IOException {
        int n = d.readInt();
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[d.readInt()];
            d.readFully(b);
            out.add(new String(b, java.nio.charset.StandardCharsets.UTF_8));
        }
        return out;
    }
}
