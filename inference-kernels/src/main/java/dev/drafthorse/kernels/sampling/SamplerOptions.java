package dev.drafthorse.kernels.sampling;

import java.util.Properties;

/**
 * How the next token is chosen. Out-of-range values are refused by name, never clamped.
 *
 * @param temperature 0 for greedy (argmax); otherwise logits are divided by it (typical 0.7–1.0)
 * @param topK keep the K most likely tokens, 0 for all (typical 40)
 * @param topP keep the smallest set of most likely tokens whose mass reaches P, 1 for all (typical 0.9)
 * @param minP drop tokens less likely than minP × the most likely one, 0 for none (typical 0.05)
 * @param seed the random stream's seed
 */
public record SamplerOptions(float temperature, int topK, float topP, float minP, long seed) {

    public static final SamplerOptions GREEDY = new SamplerOptions(0f, 0, 1f, 0f, 0L);

    public SamplerOptions {
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0 (0 disables it), got " + topK);
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0f && minP < 1f)) {
            throw new IllegalArgumentException("min-p must be in [0, 1), got " + minP);
        }
    }

    public boolean greedy() {
        return temperature == 0f;
    }

    public SamplerOptions withSeed(long s) {
        return new SamplerOptions(temperature, topK, topP, minP, s);
    }

    /** Reads {@code <prefix>temperature}, {@code top-k}, {@code top-p}, {@code min-p}, {@code seed}. */
    public static SamplerOptions of(Properties p, String prefix) {
        return new SamplerOptions(
                parseFloat(p, prefix + "temperature", 0f),
                (int) parseLong(p, prefix + "top-k", 0),
                parseFloat(p, prefix + "top-p", 1f),
                parseFloat(p, prefix + "min-p", 0f),
                parseLong(p, prefix + "seed", 0));
    }

    public Properties toProperties(String prefix) {
        Properties p = new Properties();
        p.setProperty(prefix + "temperature", Float.toString(temperature));
        p.setProperty(prefix + "top-k", Integer.toString(topK));
        p.setProperty(prefix + "top-p", Float.toString(topP));
        p.setProperty(prefix + "min-p", Float.toString(minP));
        p.setProperty(prefix + "seed", Long.toString(seed));
        return p;
    }

    private static float parseFloat(Properties p, String key, float fallback) {
        String v = p.getProperty(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Float.parseFloat(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, got '" + v + "'");
        }
    }

    private static long parseLong(Properties p, String key, long fallback) {
        String v = p.getProperty(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
        }
    }
}
