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
        for (Command c : List.<Command>of(new GenerateCommand(), new BatchCommand(), new ScoreCommand(), new TokenizeCommand(),
                new InspectCommand(), new BenchCommand(), new RandomModelCommand(), new RandomHeadsCommand(), new ConvertCommand(),
                new EnsembleCommands.Train(), new EnsembleCommands.Predict(), new HiveCommand(), new InferCommand(),
                new TrainHeadsCommand(), new ChatTemplateCommand(), new EmbedCommand())) {
            m.put(c.name(), c);
        }
        return m;
    }

    public static void main(String[] args) {
        System.setOut(new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8));
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
            System.err.println("drafthorse: unknown command '" + args[0] + "' (commands: " + String.join(", ", commands.keySet()) + ")");
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
