package dev.drafthorse.kernels.tokenizer;

/**
 * GPT-2's reversible byte-to-character mapping, used by every byte-level BPE vocabulary.
 *
 * <p>Byte-level BPE works on bytes, but its vocabulary and merge files are text, and control bytes or spaces in
 * a merge file would be unreadable or ambiguous (a merge line is "left right"). GPT-2 therefore spells each byte
 * as a printable character: the bytes that already are printable Latin-1 ({@code '!'..'~'}, {@code '¡'..'¬'},
 * {@code '®'..'ÿ'}) stand for themselves, and the other 68 bytes take the code points U+0100, U+0101, … in byte
 * order. So a space is {@code 'Ġ'} (U+0120) and a newline {@code 'Ċ'} (U+010A). Every mapped character is in the
 * BMP, so one Java {@code char} stands for one byte.
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[0x200];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        boolean[] printable = new boolean[256];
        for (int b = 0; b < 256; b++) {
            printable[b] = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        }
        int next = 256;
        for (int b = 0; b < 256; b++) {
            char c = printable[b] ? (char) b : (char) next++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {}

    /** The character that spells byte {@code b} (0..255). */
    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte spelled by code point {@code cp}, or -1 if {@code cp} is not part of the mapping. */
    static int byteOf(int cp) {
        return cp >= 0 && cp < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cp] : -1;
    }

    /** The byte-level spelling of UTF-8 {@code bytes}: one character per byte. */
    static String encode(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }
}
