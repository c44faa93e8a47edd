package dev.drafthorse.cli;

import dev.drafthorse.kernels.gguf.GgufException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one entry point: {@code drafthorse <command> [options]} locally (scripts/drafthorse) and
 * {@code hadoop jar drafthorse.jar <command> ...} on a cluster. Results go to stdout, everything else to
 * stderr; exit 0 on success, 2 on bad arguments, 1 on failure.
 */
public final class Main {
    private Main() {}

    static Map<String, Command> commands() {
        Map<String, Command> m = new LinkedHashMap<>();
        List<Command> all = new java.util.ArrayList<>(List.of(
                new GenerateCommand(),
                new BatchCommand(),
                new ScoreCommand(),
                new TokenizeCommand(),
                new InspectCommand(),
                new BenchCommand(),
                new RandomModelCommand(),
                new RandomHeadsCommand(),
                new ConvertCommand()));
        all.addAll(ensembleCommands());
        all.addAll(List.of(
                new HiveCommand(),
                new InferCommand(),
                new TrainHeadsCommand(),
                new ChatTemplateCommand(),
                new EmbedCommand(),
                new PlotCommand()));
        for (Command c : all) {
            m.put(c.name(), c);
        }
        return m;
    }

    /**
     * {@code ensemble-train} and {@code ensemble-predict}, looked up by name: the jar built without the ensemble
     * module ({@code drafthorse-<version>-no-ensemble.jar}, no GPL code) lacks their classes, and there the two
     * commands say so instead.
     */
    static List<Command> ensembleCommands() {
        try {
            Class.forName("dev.drafthorse.ensemble.EnsembleModel", false, Main.class.getClassLoader());
            Class<?> c = Class.forName("dev.drafthorse.cli.EnsembleCommands", true, Main.class.getClassLoader());
            @SuppressWarnings("unchecked")
            List<Command> commands = (List<Command>) c.getDeclaredMethod("all").invoke(null);
            return commands;
        } catch (ReflectiveOperationException | LinkageError e) {
            return List.of(new Missing("ensemble-train"), new Missing("ensemble-predict"));
        }
    }

    /** Whether Hadoop is on the class path (under {@code hadoop jar} and scripts/drafthorse, not under plain {@code java -jar}). */
    static boolean hadoop() {
        try {
            Class.forName("org.apache.hadoop.util.ToolRunner");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** A command whose classes this jar was built without. */
    private record Missing(String name) implements Command {
        @Override
        public String summary() {
            return "(not in this jar: built without the ensemble module)";
        }

        @Override
        public int run(String[] args) {
            System.err.println(
                    "drafthorse " + name + ": this jar was built without the ensemble module (Smile, GPL-3.0);"
                            + " use drafthorse-<version>.jar for " + name);
            return 2;
        }
    }

    public static void main(String[] args) {
        System.setOut(new PrintStream(
                new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8));
        System.exit(run(args));
    }

    /** Runs a command and returns its exit code (tests call this). */
    public static int run(String[] args) {
        Map<String, Command> commands = commands();
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
            PrintStream out = args.length == 0 ? System.err : System.out;
            out.println("usage: drafthorse <command> [options]   (drafthorse <command> --help for its options)");
            out.println();
            commands.values().forEach(c -> out.printf("  %-14s %s%n", c.name(), c.summary()));
            return args.length == 0 ? 2 : 0;
        }
        Command c = commands.get(args[0]);
        if (c == null) {
            System.err.println("drafthorse: unknown command '" + args[0] + "' (commands: "
                    + String.join(", ", commands.keySet()) + ")");
            return 2;
        }
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        try {
            return c.run(rest);
        } catch (UsageException e) {
            System.err.println("drafthorse " + c.name() + ": " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            // Out-of-range parameters are usage errors: the message names the parameter.
            System.err.println("drafthorse " + c.name() + ": " + e.getMessage());
            return 2;
        } catch (ChatTemplateCommand.DataException e) {
            System.err.println("drafthorse " + c.name() + ": " + e.getMessage());
            return 1;
        } catch (dev.drafthorse.kernels.chat.TemplateError e) {
            System.err.println("drafthorse " + c.name() + ": chat template: " + e.getMessage());
            return 1;
        } catch (GgufException e) {
            System.err.println("drafthorse " + c.name() + ": bad model file: " + e.getMessage());
            return 1;
        } catch (java.nio.file.NoSuchFileException e) {
            System.err.println("drafthorse " + c.name() + ": no such file: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            System.err.println("drafthorse " + c.name() + ": " + e);
            return 1;
        }
    }
}
