package dev.drafthorse.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.mapreduce.MRJobConfig;
import org.junit.jupiter.api.Test;

class TaskJvmTest {
    private static String optionsAfter(String inForce) {
        Configuration conf = new Configuration(false);
        if (inForce != null) {
            conf.set(MRJobConfig.MAP_JAVA_OPTS, inForce);
        }
        TaskJvm.addEngineOptions(conf, MRJobConfig.MAP_JAVA_OPTS);
        return conf.get(MRJobConfig.MAP_JAVA_OPTS);
    }

    @Test
    void appendsTheFlagsToTheOptionsInForce() {
        assertEquals(
                "-Xmx3g --add-modules jdk.incubator.vector -XX:+UseTransparentHugePages --enable-native-access=ALL-UNNAMED",
                optionsAfter("-Xmx3g"));
        assertEquals(
                "--add-modules jdk.incubator.vector -XX:+UseTransparentHugePages --enable-native-access=ALL-UNNAMED",
                optionsAfter(null));
    }

    @Test
    void keepsTheOldChildOptionsWhenTheMapOnesAreUnset() {
        Configuration conf = new Configuration(false);
        conf.set("mapred.child.java.opts", "-Xmx2g");
        TaskJvm.addEngineOptions(conf, MRJobConfig.MAP_JAVA_OPTS);
        assertEquals(
                "-Xmx2g --add-modules jdk.incubator.vector -XX:+UseTransparentHugePages --enable-native-access=ALL-UNNAMED",
                conf.get(MRJobConfig.MAP_JAVA_OPTS));
    }

    @Test
    void aFlagAlreadyNamedIsLeftAsTheUserSetIt() {
        String mine = "-Xmx1g -XX:-UseTransparentHugePages --add-modules=jdk.incubator.vector --enable-native-access=M";
        assertEquals(mine, optionsAfter(mine));
        assertEquals(mine, optionsAfter(optionsAfter(mine)));
    }
}
