package dev.drafthorse.kernels.heads;

import dev.drafthorse.kernels.model.Model;

/**
 * Extra prediction heads on a target model, read from their own GGUF file ({@link HeadsFile}): Medusa
 * heads (Cai et al. 2024) or multi-token-prediction modules (Gloeckle et al. 2024; DeepSeek-V3). Both
 * propose tokens beyond the next one from the target's final hidden state, for self-speculative decoding.
 */
public sealed interface Heads permits MedusaHeads, MtpModules {
    /** What the file says about itself and its base model. */
    HeadsFile.Header header();

    /** The base model these heads were loaded against (checked by fingerprint). */
    Model model();

    /** K heads or D modules. */
    int count();
}
