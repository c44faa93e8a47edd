package dev.drafthorse.ensemble.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** Command-line options (public for the job drivers, which take the same options): {@code --name value} options, {@code --name=value}, and {@code -D key=value} / {@code -Dkey=value} defines. */
public final class Args {
    private final Map<String, String> opts;
    private final Properties defines;

    private Args(Map<String, String> opts, Properties defines) {
        this.opts = opts;
        this.defines = defines;
    }

    public static Args parse(String[] args, List<String> known) throws UsageException {
        Map<String, String> opts = new HashMap<>();
        Properties defines = new Properties();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-D") || (a.startsWith("-D") && !a.startsWith("--"))) {
                String kv = a.equals("-D") ? (i + 1 < args.length ? args[++i] : null) : a.substring(2);
                if (kv == null || kv.indexOf('=') <= 0) throw new UsageException("-D needs key=value, found '" + kv + "'");
                defines.setProperty(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
                continue;
            }
            if (!a.startsWith("--")) throw new UsageException("unexpected argument '" + a + "'");
            String name = a.substring(2);
            String value;
            if (name.contains("=")) {
                value = name.substring(name.indexOf('=') + 1);
                name = name.substring(0, name.indexOf('='));
            } else {
                if (i + 1 >= args.length) throw new UsageException("--" + name + " needs a value");
                value = args[++i];
            }
            if (!known.contains(name)) throw new UsageException("unknown option --" + name);
            if (opts.put(name, value) != null) throw new UsageException("--" + name + " given twice");
        }
        return new Args(opts, defines);
    }

    public boolean has(String name) {
        return opts.containsKey(name);
    }

    public String get(String name) {
        return opts.get(name);
    }

    public String require(String name) throws UsageException {
        String v = opts.get(name);
        if (v == null || v.isEmpty()) throw new UsageException("--" + name + " is required");
        return v;
    }

    public List<String> list(String name) throws UsageException {
        List<String> out = new ArrayList<>();
        for (String s : require(name).split(",")) {
            if (!s.isBlank()) out.add(s.trim());
        }
        if (out.isEmpty()) throw new UsageException("--" + name + " lists nothing");
        return out;
    }

    public Properties defines() {
        return defines;
    }
}
