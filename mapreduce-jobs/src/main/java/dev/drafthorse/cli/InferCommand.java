package dev.drafthorse.cli;

/**
 * {@code infer}: the MapReduce job (see {@code dev.drafthorse.jobs.infer.InferTool}). This class names no Hadoop
 * type, so the other commands run without Hadoop on the classpath.
 */
final class InferCommand implements Command {
    @Override
    public String name() {
        return "infer";
    }

    @Override
    public String summary() {
        return "MapReduce job: generate, score or embed every row of a directory (local runner by default, YARN under hadoop jar)";
    }

    @Override
    public int run(String[] args) throws Exception {
        try {
            Class.forName("org.apache.hadoop.util.ToolRunner");
        } catch (ClassNotFoundException e) {
            System.err.println(
                    "drafthorse infer: Hadoop is not on the classpath (run it with scripts/drafthorse or hadoop jar)");
            return 1;
        }
        return dev.drafthorse.jobs.infer.InferTool.launch(args);
    }
}
