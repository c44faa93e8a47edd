package dev.drafthorse.jobs;

import org.apache.hadoop.conf.Configuration;

/**
 * The JVM options the engine's tasks need, appended to the options in force. Setting mapreduce.map.java.opts
 * replaces what was there, so each flag is appended (keeping the cluster's -Xmx, or letting MapReduce derive one
 * from mapreduce.map.memory.mb), and only when the options do not already name it — so a user's own choice, such as
 * {@code -XX:-UseTransparentHugePages}, stands.
 */
public final class TaskJvm {
    private TaskJvm() {}

    /**
     * The engine's flags for the task JVMs configured by {@code key} (mapreduce.map.java.opts or
     * mapreduce.reduce.java.opts):
     *
     * <ul>
     *   <li>{@code --add-modules jdk.incubator.vector}: the vector kernels (without it they fall back to the
     *       scalar references, 10–20× slower);
     *   <li>{@code -XX:+UseTransparentHugePages}: weight arrays in 2 MiB pages, fewer TLB misses while decoding
     *       streams them (decode 6–8% faster side by side, BENCHMARKS.md); on a kernel without transparent huge
     *       pages the JVM warns and goes on with small pages;
     *   <li>{@code --enable-native-access=ALL-UNNAMED}: the native integer kernels (NativeKernels) load without the
     *       warning that JDK 24 and later print for {@code System.load} (JDK 17 accepts the flag too).
     * </ul>
     */
    public static void addEngineOptions(Configuration conf, String key) {
        String opts = conf.get(key, conf.get("mapred.child.java.opts", ""));
        if (!opts.contains("jdk.incubator.vector")) {
            opts = opts + " --add-modules jdk.incubator.vector";
        }
        if (!opts.contains("UseTransparentHugePages")) {
            opts = opts + " -XX:+UseTransparentHugePages";
        }
        if (!opts.contains("enable-native-access")) {
            opts = opts + " --enable-native-access=ALL-UNNAMED";
        }
        conf.set(key, opts.trim());
    }
}
