package dev.drafthorse.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tests' one in-process command runner: {@link Main#run} (or any command body) with stdout and stderr
 * captured. Runs are serialized, since they swap the process's standard streams.
 */
public final class Cli {
    public final int exit;
    public final String out;
    public final String err;

    private Cli(int exit, String out, String err) {
        this.exit = exit;
        this.out = out;
        this.err = err;
    }

    public int exit() {
        return exit;
    }

    public String out() {
        return out;
    }

    public String err() {
        return err;
    }

    /** {@code drafthorse ARGS...} through the dispatcher. */
    public static Cli run(String... args) {
        return capture(() -> Main.run(args));
    }

    /** A command body returning its exit code. */
    public interface Body {
        int run() throws Exception;
    }

    public static synchronized Cli capture(Body body) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = body.run();
            return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new AssertionError("the command threw instead of returning an exit code", e);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** A counter from a job's summary line on stderr (e.g. {@code rows_in}). */
    public long counter(String name) {
        Matcher m = Pattern.compile("[:,] " + name + " (\\d+)").matcher(err);
        if (!m.find()) {
            throw new AssertionError("no counter " + name + " in:\n" + err);
        }
        return Long.parseLong(m.group(1));
    }

    @Override
    public String toString() {
        return "exit " + exit + "\nstdout: " + out + "\nstderr: " + err;
    }
}
