package dev.drafthorse.hive;

import org.apache.hadoop.hive.ql.exec.MapredContext;
import org.apache.hadoop.mapred.Reporter;
import org.slf4j.Logger;

/**
 * What a function tells its task: row errors (counted in a {@link HiveCounter}, the first one logged) and progress.
 *
 * <p>In a MapReduce task Hive hands a function its {@link MapredContext} ({@code configure}) before
 * {@code initialize}; the context's {@link Reporter} is set once the first row arrives. A fetch task (a plain
 * SELECT Hive answers without a job) has neither: errors are then only logged, and progress has nobody to tell.
 */
final class TaskReport {
    private final String function;
    private final HiveCounter errorCounter;
    private final Logger log;
    private final MapredContext context; // null outside a task
    private long errors;

    TaskReport(String function, HiveCounter errorCounter, Logger log, MapredContext context) {
        this.function = function;
        this.errorCounter = errorCounter;
        this.log = log;
        this.context = context;
    }

    /** Counts a row that gives an error value; logs the first with its reason. */
    void rowError(String reason) {
        if (errors++ == 0) {
            log.warn(
                    "{}: a row failed and gives an error value, the query goes on: {} (first logged; counted in {})",
                    function,
                    reason,
                    errorCounter);
        }
        count(errorCounter, 1);
    }

    /** Adds to a counter of the task, when there is a task. */
    void count(HiveCounter counter, long amount) {
        Reporter r = reporter();
        if (r != null) {
            r.incrCounter(counter, amount);
        }
    }

    /** Tells the task it is alive (a long row is work, not a hang). */
    void progress() {
        Reporter r = reporter();
        if (r != null) {
            r.progress();
        }
    }

    long errors() {
        return errors;
    }

    /** Logs the total when more than the first error happened. */
    void close() {
        if (errors > 1) {
            log.warn("{}: {} rows failed and gave error values", function, errors);
        }
    }

    private Reporter reporter() {
        MapredContext c = context != null ? context : MapredContext.get();
        return c == null ? null : c.getReporter();
    }
}
