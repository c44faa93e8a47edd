package dev.drafthorse.kernels.chat;

import java.util.BitSet;

/**
 * A rendered conversation: the text, and which of its chars came from the messages (the rest is the template's
 * own text, where special tokens are parsed).
 *
 * @param text the prompt text, byte for byte what {@code apply_chat_template} gives
 * @param data bit i set: char i of {@code text} came from a message (its role or content)
 */
public record Rendered(String text, BitSet data) {
    public Rendered {
        data = (BitSet) data.clone();
    }

    @Override
    public BitSet data() {
        return (BitSet) data.clone();
    }

    /** This render followed by {@code more}, all of it marked as data (a candidate continuation to score). */
    public Rendered plusData(String more) {
        BitSet b = (BitSet) data.clone();
        b.set(text.length(), text.length() + more.length());
        return new Rendered(text + more, b);
    }
}
