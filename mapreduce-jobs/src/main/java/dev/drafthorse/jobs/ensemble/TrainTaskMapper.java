package dev.drafthorse.jobs.ensemble;

import java.io.IOException;
import org.apache.hadoop.io.IntWritable;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.Mapper;

/**
 * Reads the driver's task list ({@code INDEX<TAB>unit}) and sends each unit to its reducer; the list's
 * {@code #counts} line turns the driver's row counts into job counters.
 */
public class TrainTaskMapper extends Mapper<LongWritable, Text, IntWritable, Text> {
    private final IntWritable key = new IntWritable();
    private final Text value = new Text();

    @Override
    protected void map(LongWritable offset, Text line, Context context) throws IOException, InterruptedException {
        String s = line.toString();
        if (s.isBlank()) {
            return;
        }
        if (s.startsWith("#counts\t")) {
            String[] f = s.split("\t");
            for (int i = 1; i + 1 < f.length; i += 2) {
                context.getCounter(EnsembleCounter.valueOf(f[i])).increment(Long.parseLong(f[i + 1]));
            }
            return;
        }
        int tab = s.indexOf('\t');
        key.set(Integer.parseInt(s.substring(0, tab)));
        value.set(s.substring(tab + 1));
        context.write(key, value);
    }
}
