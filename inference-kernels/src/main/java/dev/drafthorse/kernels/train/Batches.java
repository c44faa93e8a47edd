package dev.drafthorse.kernels.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Batches of sequences drawn without replacement in seeded epochs (a fresh shuffle each epoch). */
public final class Batches {
    private final List<TrainingSequence> data;
    private final int size;
    private final Random rnd;
    private final List<TrainingSequence> order = new ArrayList<>();
    private int next;

    /** @param size sequences per batch, at least 1 and at most the data's size */
    public Batches(List<TrainingSequence> data, int size, long seed) {
        if (data.isEmpty()) {
            throw new IllegalArgumentException("no training sequences");
        }
        if (size < 1 || size > data.size()) {
            throw new IllegalArgumentException(
                    "batch must be in [1, " + data.size() + "] (the sequences available), got " + size);
        }
        this.data = List.copyOf(data);
        this.size = size;
        this.rnd = new Random(seed);
        next = 0;
    }

    public List<TrainingSequence> next() {
        List<TrainingSequence> b = new ArrayList<>(size);
        while (b.size() < size) {
            if (next >= order.size()) {
                order.clear();
                order.addAll(data);
                java.util.Collections.shuffle(order, rnd);
                next = 0;
            }
            b.add(order.get(next++));
        }
        return b;
    }
}
