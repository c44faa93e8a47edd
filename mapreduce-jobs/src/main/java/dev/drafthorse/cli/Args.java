package dev.drafthorse.cli;

import java.io.PrintWriter;
import java.util.function.Function;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * Argument parsing shared by the commands (commons-cli): {@code --help} on every command, usage on
 * stderr for bad arguments, and typed getters that reject out-of-range values by option name.
 */
public final class Args {
    private final String usage;
    private final Options options;
    private final CommandLine line;

    private Args(String usage, Options options, CommandLine line) {
        this.usage = usage;
        this.options = options;
        this.line = line;
    }

    /**
     * Parses {@code args}; returns null after printing help (the command then exits 0).
     *
     * @throws UsageException for unknown options, missing values or missing required options
     */
    public static Args parse(String usage, String description, Options options, String[] args) {
        options.addOption(
                Option.builder("h").longOpt("help").desc("show this help").build());
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help")) {
                printHelp(usage, description, options, new PrintWriter(System.out, true));
                return null;
            }
        }
        try {
            return new Args(usage, options, new DefaultParser().parse(options, args));
        } catch (ParseException e) {
            throw new UsageException(e.getMessage() + "\nusage: " + usage + "\n(--help for the options)");
        }
    }

    static void printHelp(String usage, String description, Options options, PrintWriter out) {
        HelpFormatter f = new HelpFormatter();
        f.setWidth(100);
        f.printHelp(out, 100, usage, description, options, 2, 4, "", false);
        out.flush();
    }

    public CommandLine line() {
        return line;
    }

    public boolean has(String opt) {
        return line.hasOption(opt);
    }

    /** The option's value, or null. */
    public String get(String opt) {
        return line.getOptionValue(opt);
    }

    public String get(String opt, String fallback) {
        return line.getOptionValue(opt, fallback);
    }

    public String require(String opt) {
        String v = line.getOptionValue(opt);
        if (v == null) {
            throw new UsageException("--" + longName(opt) + " is required\nusage: " + usage);
        }
        return v;
    }

    /** A required comma-separated list, blanks dropped and items trimmed. */
    public java.util.List<String> list(String opt) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String s : require(opt).split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        if (out.isEmpty()) {
            throw new UsageException("--" + longName(opt) + " lists nothing");
        }
        return out;
    }

    /** The {@code -D key=value} options of {@link #defineOption()} (after Hadoop's own, which come first). */
    public java.util.Properties defines() {
        return line.getOptionProperties("D");
    }

    /** {@code -D key=value} (or {@code -Dkey=value}), any number of times. */
    public static Option defineOption() {
        return Option.builder("D")
                .hasArgs()
                .valueSeparator('=')
                .argName("key=value")
                .desc("a setting (ensemble.* hyperparameters; Hadoop's own -D go first)")
                .build();
    }

    /** The positional arguments. */
    public String[] rest() {
        return line.getArgs();
    }

    public int getInt(String opt, int fallback, int min, int max) {
        return (int) getNumber(opt, fallback, min, max, Long::parseLong);
    }

    public long getLong(String opt, long fallback) {
        return getNumber(opt, fallback, Long.MIN_VALUE, Long.MAX_VALUE, Long::parseLong);
    }

    public float getFloat(String opt, float fallback) {
        String v = line.getOptionValue(opt);
        if (v == null) {
            return fallback;
        }
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + longName(opt) + " must be a number, got '" + v + "'");
        }
    }

    private long getNumber(String opt, long fallback, long min, long max, Function<String, Long> parse) {
        String v = line.getOptionValue(opt);
        if (v == null) {
            return fallback;
        }
        long x;
        try {
            x = parse.apply(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + longName(opt) + " must be an integer, got '" + v + "'");
        }
        if (x < min || x > max) {
            throw new UsageException("--" + longName(opt) + " must be in [" + min + ", " + max + "], got " + x);
        }
        return x;
    }

    private String longName(String opt) {
        Option o = options.getOption(opt);
        return o != null && o.getLongOpt() != null ? o.getLongOpt() : opt;
    }

    /** Shorthand for an option with a value. */
    public static Option opt(String shortName, String longName, String arg, String desc) {
        return Option.builder(shortName)
                .longOpt(longName)
                .hasArg()
                .argName(arg)
                .desc(desc)
                .build();
    }

    /** Shorthand for a flag. */
    public static Option flag(String longName, String desc) {
        return Option.builder().longOpt(longName).desc(desc).build();
    }
}
