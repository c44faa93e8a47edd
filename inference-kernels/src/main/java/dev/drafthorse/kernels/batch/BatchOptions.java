package dev.drafthorse.kernels.batch;

import dev.drafthorse.kernels.speculative.Speculation;

/**
 * How the scheduler runs many prompts.
 *
 * @param batchSize sequences decoded together (continuous batching: a finished one's slot goes to the next prompt)
 * @param maxKvPositions bound on the KV positions reserved by all active sequences together (memory bound);
 *     a prompt waits until it fits, and one sequence is always admitted
 * @param prefillChunk prompt tokens per sequence per pass, so long prompts do not stall the others' decoding
 * @param speculation drafting for every sequence
 * @param groupPrefixes admit prompts in token order rather than input order, so prompts sharing a
 *     prefix run close together and hit the prefix cache (outputs still come back in input order)
 */
public record BatchOptions(
        int batchSize, long maxKvPositions, int prefillChunk, Speculation speculation, boolean groupPrefixes) {

    public BatchOptions(int batchSize, long maxKvPositions, int prefillChunk, Speculation speculation) {
        this(batchSize, maxKvPositions, prefillChunk, speculation, false);
    }

    public BatchOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batchSize);
        }
        if (maxKvPositions < 1) {
            throw new IllegalArgumentException("max-kv-positions must be >= 1, got " + maxKvPositions);
        }
        if (prefillChunk < 1) {
            throw new IllegalArgumentException("prefill-chunk must be >= 1, got " + prefillChunk);
        }
    }

    public static BatchOptions of(int batchSize) {
        return new BatchOptions(batchSize, Long.MAX_VALUE, 128, Speculation.NONE);
    }

    public BatchOptions withSpeculation(Speculation s) {
        return new BatchOptions(batchSize, maxKvPositions, prefillChunk, s, groupPrefixes);
    }

    public BatchOptions withGroupPrefixes(boolean g) {
        return new BatchOptions(batchSize, maxKvPositions, prefillChunk, speculation, g);
    }
}
