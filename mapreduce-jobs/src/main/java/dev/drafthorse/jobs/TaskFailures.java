package dev.drafthorse.jobs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.TaskCompletionEvent;

/**
 * A failed job's reason, as its tasks gave it: the driver prints the failed attempts' own errors (a GGUF reader's
 * message names the file and the field), not the job's failure info, which is {@code NA} when a task failed.
 *
 * <p>Two sources. On YARN, the task completion events name the failed attempts and
 * {@link Job#getTaskDiagnostics} returns each one's error. The local runner keeps neither (it logs the exception
 * and reports nothing), but its tasks run in the driver's JVM: there a task records its error here with
 * {@link #record} before rethrowing it, and the driver takes it back by job id.
 */
public final class TaskFailures {
    /** Errors recorded by tasks in this JVM (the local runner), by job id; the driver removes them. */
    private static final Map<String, List<String>> LOCAL = new ConcurrentHashMap<>();
    /** Recorded errors kept per job, and completion events looked at, at most. */
    private static final int MAX_ERRORS = 20;

    private static final int MAX_EVENTS = 10_000;

    private TaskFailures() {}

    /**
     * Records a task's error for the driver (a no-op on YARN, whose driver runs elsewhere and reads the diagnostics
     * instead). Call it from the task's {@code run} just before rethrowing.
     */
    public static void record(TaskAttemptContext context, Throwable t) {
        List<String> errors = LOCAL.computeIfAbsent(context.getJobID().toString(), k -> new ArrayList<>());
        synchronized (errors) {
            if (errors.size() < MAX_ERRORS) {
                errors.add(context.getTaskAttemptID() + ": " + describe(t));
            }
        }
    }

    /** A throwable as a user reads it: our exceptions by their message (which names the file, field or key), others by class too. */
    public static String describe(Throwable t) {
        String m = t.getMessage();
        if (m != null
                && (t instanceof IOException
                        || t instanceof IllegalArgumentException
                        || t instanceof IllegalStateException)) {
            return m;
        }
        return t.toString();
    }

    /**
     * The failed attempts' errors, one line each ({@code attempt_…: message}), first failure first; empty when no
     * task failed or none said why. Takes this job's recorded errors out of the local record.
     */
    public static List<String> of(Job job) throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        List<String> local = LOCAL.remove(job.getJobID().toString());
        if (local != null) {
            synchronized (local) {
                out.addAll(local);
            }
        }
        if (!out.isEmpty()) {
            return out;
        }
        int from = 0;
        while (from < MAX_EVENTS && out.size() < MAX_ERRORS) {
            TaskCompletionEvent[] events = job.getTaskCompletionEvents(from, 100);
            if (events == null || events.length == 0) {
                break;
            }
            for (TaskCompletionEvent e : events) {
                if (e.getStatus() == TaskCompletionEvent.Status.FAILED
                        || e.getStatus() == TaskCompletionEvent.Status.TIPFAILED) {
                    String[] diagnostics = job.getTaskDiagnostics(e.getTaskAttemptId());
                    if (diagnostics != null) {
                        for (String d : diagnostics) {
                            out.add(e.getTaskAttemptId() + ": " + firstLines(d));
                        }
                    }
                }
            }
            from += events.length;
        }
        return out;
    }

    /**
     * What to print after "job … failed: ": the first failed attempt's error, else the job's failure info (with a
     * pointer to the logs when that says nothing).
     */
    public static String reason(Job job, List<String> errors) throws IOException, InterruptedException {
        if (!errors.isEmpty()) {
            String first = errors.get(0);
            int colon = first.indexOf(": ");
            return colon > 0 ? first.substring(colon + 2) : first;
        }
        String info = job.getStatus().getFailureInfo();
        if (info == null || info.isBlank() || info.equals("NA")) {
            return "no task reported an error (see the job's logs)";
        }
        return info;
    }

    /** A diagnostics text up to its stack trace: YARN sends "Error: java.io.IOException: msg\n\tat …". */
    private static String firstLines(String d) {
        int at = d.indexOf("\n\tat ");
        String s = (at < 0 ? d : d.substring(0, at)).strip();
        return s.length() > 2000 ? s.substring(0, 2000) + "..." : s;
    }
}
