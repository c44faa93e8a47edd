package dev.drafthorse.jobs.infer;

import dev.drafthorse.kernels.embed.Normalization;
import dev.drafthorse.kernels.embed.Pooling;
import dev.drafthorse.rows.RowMode;
import org.apache.hadoop.conf.Configuration;

/**
 * The settings of {@code infer --mode embed}, read and validated like {@link InferSettings} (at submission, so a bad
 * value exits 2 naming the key, and in each task).
 *
 * @param pooling the pooling, or null for the GGUF's {@code <arch>.pooling_type} (mean when it names none)
 * @param normalization l2 or none
 * @param batchTokens tokens of several rows per forward pass
 */
public record EmbedSettings(Pooling pooling, Normalization normalization, int batchTokens) {

    public static EmbedSettings from(Configuration conf, InferSettings s) {
        String p = InferSettings.get(conf, InferKey.POOLING);
        String n = InferSettings.get(conf, InferKey.NORMALIZE);
        String b = InferSettings.get(conf, InferKey.EMBED_BATCH_TOKENS);
        if (s.mode() != RowMode.EMBED) {
            for (InferKey k : new InferKey[] {InferKey.POOLING, InferKey.NORMALIZE, InferKey.EMBED_BATCH_TOKENS}) {
                if (!InferSettings.get(conf, k).equals(k.defaultValue())) {
                    throw new IllegalArgumentException(k.key() + " applies to embed mode only");
                }
            }
            return null;
        }
        if (s.chat()) {
            throw new IllegalArgumentException(InferKey.CHAT.key()
                    + " applies to generate and score modes (embed mode embeds the text as written)");
        }
        Pooling pooling = p.isEmpty() ? null : Pooling.parse(InferKey.POOLING.key(), p);
        if (pooling == Pooling.NONE) {
            throw new IllegalArgumentException(InferKey.POOLING.key()
                    + " none gives a vector per token; a row gets one vector: mean, last or cls");
        }
        int batchTokens;
        try {
            batchTokens = Integer.parseInt(b);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    InferKey.EMBED_BATCH_TOKENS.key() + " must be an integer, got '" + b + "'");
        }
        if (batchTokens < 1 || batchTokens > 1 << 20) {
            throw new IllegalArgumentException(
                    InferKey.EMBED_BATCH_TOKENS.key() + " must be in [1, 1048576], got " + batchTokens);
        }
        return new EmbedSettings(pooling, Normalization.parse(InferKey.NORMALIZE.key(), n), batchTokens);
    }
}
