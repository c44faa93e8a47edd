package dev.drafthorse.jobs.heads;

import dev.drafthorse.kernels.train.TrainingSequence;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import org.apache.hadoop.io.Writable;

/** A training {@link TrainingSequence} between the map tasks that generate it and the reduce task that trains on it. */
public final class SequenceWritable implements Writable {
    private TrainingSequence sequence;

    public SequenceWritable() {}

    public SequenceWritable(TrainingSequence sequence) {
        this.sequence = sequence;
    }

    public TrainingSequence get() {
        return sequence;
    }

    @Override
    public void write(DataOutput out) throws IOException {
        int[] t = sequence.tokens();
        float[] h = sequence.hidden();
        out.writeInt(t.length);
        out.writeInt(h.length);
        out.writeInt(sequence.start());
        for (int x : t) {
            out.writeInt(x);
        }
        for (float x : h) {
            out.writeFloat(x); // bit-exact, NaN payloads aside (none: hidden states are finite)
        }
    }

    @Override
    public void readFields(DataInput in) throws IOException {
        int n = in.readInt();
        int m = in.readInt();
        int start = in.readInt();
        if (n <= 0 || m < 0 || m % n != 0) {
            throw new IOException("corrupt training sequence: " + n + " tokens, " + m + " hidden values");
        }
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = in.readInt();
        }
        float[] h = new float[m];
        for (int i = 0; i < m; i++) {
            h[i] = in.readFloat();
        }
        sequence = new TrainingSequence(t, h, start);
    }
}
