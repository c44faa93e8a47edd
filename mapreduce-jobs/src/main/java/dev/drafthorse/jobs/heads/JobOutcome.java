package dev.drafthorse.jobs.heads;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a finished {@code train-heads} job hands back to the command (no Hadoop type): the loss CSV the reduce task
 * wrote, its summary, and where the heads went.
 *
 * @param spec the options
 * @param csv the loss CSV's bytes
 * @param summary the reduce task's summary (plot_title included, for the command to take out)
 * @param output the heads file, qualified on its filesystem
 * @param headsBytes its size
 */
public record JobOutcome(TrainHeadsSpec spec, byte[] csv, ObjectNode summary, String output, long headsBytes) {

    /** The command's part after the job: local CSV and PNG, the summary on stdout. */
    public interface Finisher {
        int finish(JobOutcome outcome) throws Exception;
    }
}
