package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;

/**
 * A second, independent reading of ggml's dequantize_row_* (ggml-quants.c), written the way the C walks the
 * blocks — an output pointer, the 32-bit masks of the Q3_K scales and of the vec_dot kernels' Q4_K/Q5_K
 * scale unpacking — rather than the value-indexed helpers of the main code. The oracle of
 * {@link QuantFormatsTest}.
 */
final class GgmlSpec {
    private GgmlSpec() {}

    /** Dequantizes n values of type t from w[0...]. */
    static float[] dequantize(GgmlType t, byte[] w, int n) {
        float[] y = new float[n];
        int[] yp = {0};
        int blocks = n / t.blockSize();
        for (int i = 0; i < blocks; i++) {
            int p = i * t.blockBytes();
            switch (t) {
                case Q4_1 -> q4_1(w, p, y, yp);
                case Q5_0 -> q5_0(w, p, y, yp);
                case Q5_1 -> q5_1(w, p, y, yp);
                case Q2_K -> q2K(w, p, y, yp);
                case Q3_K -> q3K(w, p, y, yp);
                case Q4_K -> q45K(w, p, y, yp, false);
                case Q5_K -> q45K(w, p, y, yp, true);
                case Q6_K -> q6K(w, p, y, yp);
                default -> throw new IllegalArgumentException(t.toString());
            }
        }
        return y;
    }

    static float h(byte[] w, int p) {
        return Float16.toFloat((short) ((w[p] & 0xff) | (w[p + 1] & 0xff) << 8));
    }

    static int u8(byte[] w, int p) {
        return w[p] & 0xff;
    }

    static int u32(byte[] w, int p) {
        return u8(w, p) | u8(w, p + 1) << 8 | u8(w, p + 2) << 16 | u8(w, p + 3) << 24;
    }

    /** Byte k (0..3) of a little-endian uint32, as uint8. */
    static int byteOf(int word, int k) {
        return (word >>> (8 * k)) & 0xff;
    }

    private static void q4_1(byte[] w, int p, float[] y, int[] yp) {
        float d = h(w, p);
        float m = h(w, p + 2);
        int base = yp[0];
        for (int j = 0; j < 16; j++) {
            int x0 = u8(w, p + 4 + j) & 0x0F;
            int x1 = u8(w, p + 4 + j) >>> 4;
            y[base + j] = x0 * d + m;
            y[base + j + 16] = x1 * d + m;
        }
        yp[0] += 32;
    }

    private static void q5_0(byte[] w, int p, float[] y, int[] yp) {
        float d = h(w, p);
        int qh = u32(w, p + 2);
        int base = yp[0];
        for (int j = 0; j < 16; j++) {
            int xh0 = ((qh >>> j) << 4) & 0x10;
            int xh1 = (qh >>> (j + 12)) & 0x10;
            int x0 = ((u8(w, p + 6 + j) & 0x0F) | xh0) - 16;
            int x1 = ((u8(w, p + 6 + j) >>> 4) | xh1) - 16;
            y[base + j] = x0 * d;
            y[base + j + 16] = x1 * d;
        }
        yp[0] += 32;
    }

    private static void q5_1(byte[] w, int p, float[] y, int[] yp) {
        float d = h(w, p);
        float m = h(w, p + 2);
        int qh = u32(w, p + 4);
        int base = yp[0];
        for (int j = 0; j < 16; j++) {
            int xh0 = ((qh >>> j) << 4) & 0x10;
            int xh1 = (qh >>> (j + 12)) & 0x10;
            int x0 = (u8(w, p + 8 + j) & 0x0F) | xh0;
            int x1 = (u8(w, p + 8 + j) >>> 4) | xh1;
            y[base + j] = x0 * d + m;
            y[base + j + 16] = x1 * d + m;
        }
        yp[0] += 32;
    }

    /** block_q2_K: scales[16], qs[64], d, dmin. */
    private static void q2K(byte[] w, int p, float[] y, int[] yp) {
        float d = h(w, p + 80);
        float min = h(w, p + 82);
        int q = p + 16;
        int is = 0;
        for (int n = 0; n < 256; n += 128) {
            int shift = 0;
            for (int j = 0; j < 4; j++) {
                int sc = u8(w, p + is++);
                float dl = d * (sc & 0xF);
                float ml = min * (sc >>> 4);
                for (int l = 0; l < 16; l++) {
                    y[yp[0]++] = dl * ((u8(w, q + l) >>> shift) & 3) - ml;
                }
                sc = u8(w, p + is++);
                dl = d * (sc & 0xF);
                ml = min * (sc >>> 4);
                for (int l = 0; l < 16; l++) {
                    y[yp[0]++] = dl * ((u8(w, q + l + 16) >>> shift) & 3) - ml;
                }
                shift += 2;
            }
            q += 32;
        }
    }

    /** block_q3_K: hmask[32], qs[64], scales[12], d. */
    private static void q3K(byte[] w, int p, float[] y, int[] yp) {
        int kmask1 = 0x03030303;
        int kmask2 = 0x0f0f0f0f;
        float dAll = h(w, p + 108);
        int[] aux = {u32(w, p + 96), u32(w, p + 100), u32(w, p + 104), 0};
        int tmp = aux[2];
        aux[2] = ((aux[0] >>> 4) & kmask2) | (((tmp >>> 4) & kmask1) << 4);
        aux[3] = ((aux[1] >>> 4) & kmask2) | (((tmp >>> 6) & kmask1) << 4);
        aux[0] = (aux[0] & kmask2) | (((tmp >>> 0) & kmask1) << 4);
        aux[1] = (aux[1] & kmask2) | (((tmp >>> 2) & kmask1) << 4);
        int q = p + 32;
        int hm = p;
        int m = 1;
        int is = 0;
        for (int n = 0; n < 256; n += 128) {
            int shift = 0;
            for (int j = 0; j < 4; j++) {
                float dl = dAll * ((byte) byteOf(aux[is / 4], is % 4) - 32);
                is++;
                for (int l = 0; l < 16; l++) {
                    y[yp[0]++] = dl * (((u8(w, q + l) >>> shift) & 3) - ((u8(w, hm + l) & m) != 0 ? 0 : 4));
                }
                dl = dAll * ((byte) byteOf(aux[is / 4], is % 4) - 32);
                is++;
                for (int l = 0; l < 16; l++) {
                    y[yp[0]++] = dl * (((u8(w, q + l + 16) >>> shift) & 3) - ((u8(w, hm + l + 16) & m) != 0 ? 0 : 4));
                }
                shift += 2;
                m <<= 1;
            }
            q += 32;
        }
    }

    /** The vec_dot kernels' unpacking of the Q4_K/Q5_K scales: 8 scales then 8 mins. */
    static int[] scalesMins(byte[] w, int s) {
        int kmask1 = 0x3f3f3f3f;
        int kmask2 = 0x0f0f0f0f;
        int kmask3 = 0x03030303;
        int[] utmp = {u32(w, s), u32(w, s + 4), u32(w, s + 8), 0};
        utmp[3] = ((utmp[2] >>> 4) & kmask2) | (((utmp[1] >>> 6) & kmask3) << 4);
        int uaux = utmp[1] & kmask1;
        utmp[1] = (utmp[2] & kmask2) | (((utmp[0] >>> 6) & kmask3) << 4);
        utmp[2] = uaux;
        utmp[0] &= kmask1;
        int[] out = new int[16];
        for (int k = 0; k < 16; k++) {
            out[k] = byteOf(utmp[k / 4], k % 4);
        }
        return out;
    }

    /** block_q4_K: d, dmin, scales[12], qs[128]; block_q5_K: d, dmin, scales[12], qh[32], qs[128]. */
    private static void q45K(byte[] w, int p, float[] y, int[] yp, boolean five) {
        float d = h(w, p);
        float min = h(w, p + 2);
        int[] sm = scalesMins(w, p + 4);
        int qh = p + 16;
        int ql = five ? p + 48 : p + 16;
        int u1 = 1;
        int u2 = 2;
        int is = 0;
        for (int j = 0; j < 256; j += 64) {
            float d1 = d * sm[is];
            float m1 = min * sm[8 + is];
            float d2 = d * sm[is + 1];
            float m2 = min * sm[8 + is + 1];
            for (int l = 0; l < 32; l++) {
                int hi = five && (u8(w, qh + l) & u1) != 0 ? 16 : 0;
                y[yp[0]++] = d1 * ((u8(w, ql + l) & 0xF) + hi) - m1;
            }
            for (int l = 0; l < 32; l++) {
                int hi = five && (u8(w, qh + l) & u2) != 0 ? 16 : 0;
                y[yp[0]++] = d2 * ((u8(w, ql + l) >>> 4) + hi) - m2;
            }
            ql += 32;
            is += 2;
            u1 <<= 2;
            u2 <<= 2;
        }
    }

    /** block_q6_K: ql[128], qh[64], scales[16] (int8), d. */
    private static void q6K(byte[] w, int p, float[] y, int[] yp) {
        float d = h(w, p + 208);
        int ql = p;
        int qh = p + 128;
        int sc = p + 192;
        for (int n = 0; n < 256; n += 128) {
            int base = yp[0];
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int q1 = ((u8(w, ql + l) & 0xF) | ((u8(w, qh + l) >>> 0) & 3) << 4) - 32;
                int q2 = ((u8(w, ql + l + 32) & 0xF) | ((u8(w, qh + l) >>> 2) & 3) << 4) - 32;
                int q3 = ((u8(w, ql + l) >>> 4) | ((u8(w, qh + l) >>> 4) & 3) << 4) - 32;
                int q4 = ((u8(w, ql + l + 32) >>> 4) | ((u8(w, qh + l) >>> 6) & 3) << 4) - 32;
                y[base + l] = d * w[sc + is] * q1;
                y[base + l + 32] = d * w[sc + is + 2] * q2;
                y[base + l + 64] = d * w[sc + is + 4] * q3;
                y[base + l + 96] = d * w[sc + is + 6] * q4;
            }
            yp[0] += 128;
            ql += 64;
            qh += 32;
            sc += 8;
        }
    }
}
