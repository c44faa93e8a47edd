package dev.drafthorse.kernels.options;

/** Why a generation ended. */
public enum FinishReason {
    /** The model produced an end-of-generation token (EOS, EOT, ...). */
    EOS,
    /** A stop string appeared. */
    STOP,
    /** max-new-tokens was reached. */
    LENGTH,
    /** The context window is full. */
    CONTEXT;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
