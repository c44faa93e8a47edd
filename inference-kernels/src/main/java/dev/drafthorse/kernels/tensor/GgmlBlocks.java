package dev.drafthorse.kernels.tensor;

/**
 * Field readers shared by the block formats of ggml-common.h: little-endian F16 scales, the packed 32-bit
 * high-bit masks of Q5_0/Q5_1, and the 6-bit sub-block scales of Q3_K and of Q4_K/Q5_K.
 */
final class GgmlBlocks {
    private GgmlBlocks() {}

    /** The F16 at w[p, p+2) as F32. */
    static float f16(byte[] w, int p) {
        return Float16.toFloat((short) ((w[p] & 0xff) | (w[p + 1] & 0xff) << 8));
    }

    /** The little-endian uint32 at w[p, p+4) (Q5_0/Q5_1's qh: bit j is the fifth bit of value j). */
    static int u32(byte[] w, int p) {
        return (w[p] & 0xff) | (w[p + 1] & 0xff) << 8 | (w[p + 2] & 0xff) << 16 | (w[p + 3] & 0xff) << 24;
    }

    /**
     * Q4_K/Q5_K (get_scale_min_k4): the 6-bit scale of sub-block j (0..7) from the 12 scale bytes at s.
     * Sub-blocks 0–3 keep theirs in the low 6 bits of bytes 0–3; 4–7 in the low nibble of bytes 8–11, with
     * the top two bits in the top bits of bytes 0–3.
     */
    static int scaleK4(byte[] w, int s, int j) {
        if (j < 4) {
            return w[s + j] & 63;
        }
        return (w[s + j + 4] & 0x0f) | ((w[s + j - 4] & 0xff) >>> 6) << 4;
    }

    /** Q4_K/Q5_K: the 6-bit min of sub-block j, laid out as the scales four bytes further on. */
    static int minK4(byte[] w, int s, int j) {
        if (j < 4) {
            return w[s + j + 4] & 63;
        }
        return ((w[s + j + 4] & 0xff) >>> 4) | ((w[s + j] & 0xff) >>> 6) << 4;
    }

    /**
     * Q3_K: the signed scale of sub-block j (0..15) from the 12 scale bytes at s: the low nibble from byte
     * j (j &lt; 8, low half) or j − 8 (high half), the top two bits from byte 8 + j % 4 at bit 2·(j / 4);
     * stored with a bias of 32.
     */
    static int scaleQ3K(byte[] w, int s, int j) {
        int low = j < 8 ? w[s + j] & 0x0f : (w[s + j - 8] & 0xff) >>> 4;
        int high = ((w[s + 8 + j % 4] & 0xff) >>> (2 * (j / 4))) & 3;
        return (low | high << 4) - 32;
    }
}
