package dev.drafthorse.jobs.infer;

import dev.drafthorse.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code drafthorse ...} in-process through the dispatcher, capturing stdout and stderr. */
record Run(int exit, String out, String err) {
    static synchronized Run of(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** A counter from the job's summary line on stderr (e.g. {@code rows_in}). */
    long counter(String name) {
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
