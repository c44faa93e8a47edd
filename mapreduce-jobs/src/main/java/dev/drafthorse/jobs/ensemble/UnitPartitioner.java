package dev.drafthorse.jobs.ensemble;

import org.apache.hadoop.io.IntWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.Partitioner;

/** Unit {@code i} goes to reducer {@code i mod R}: round robin, so stacking's folds and refits spread evenly. */
public class UnitPartitioner extends Partitioner<IntWritable, Text> {
    @Override
    public int getPartition(IntWritable unit, Text spec, int reducers) {
        return Math.floorMod(unit.get(), reducers);
    }
}
