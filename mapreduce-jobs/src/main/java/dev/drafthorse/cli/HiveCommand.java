package dev.drafthorse.cli;

/**
 * {@code hive -f FILE | -e SQL [--metastore DIR]}: HiveQL in an in-process Hive with the Drafthorse
 * functions registered (the hive-udtf module's runner). Needs Hive on the classpath: scripts/drafthorse
 * adds it for this command.
 */
final class HiveCommand implements Command {
    @Override
    public String name() {
        return "hive";
    }

    @Override
    public String summary() {
        return "run HiveQL in an in-process Hive with the Drafthorse functions (-f FILE | -e SQL)";
    }

    @Override
    public int run(String[] args) {
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println(
                        "usage: drafthorse hive (-f FILE | -e SQL) [--metastore DIR] [--hiveconf KEY=VALUE]...");
                System.out.println(
                        "Runs HiveQL in an in-process Hive (local MapReduce) with explode_prompts, explode_chunks,");
                System.out.println(
                        "llm_generate and llm_score registered. A fresh metastore per run unless --metastore names one.");
                System.out.println("Result rows go to stdout, cells tab-separated; logs go to stderr.");
                return 0;
            }
        }
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "drafthorse-hive-log4j2.properties");
        }
        try {
            Class.forName("org.apache.hadoop.hive.ql.Driver", false, HiveCommand.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            System.err.println(
                    "drafthorse hive: Hive is not on the classpath (run it through scripts/drafthorse, which adds"
                            + " hive-udtf/target/classpath.txt)");
            return 1;
        }
        return dev.drafthorse.hive.EmbeddedHive.run(args);
    }
}
