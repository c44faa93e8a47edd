package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;

/**
 * ggml's reference quantizers for the K-quants and the legacy Q4_1/Q5_0/Q5_1 ({@code quantize_row_*_ref}
 * in ggml-quants.c): what llama-quantize writes for these types when no importance matrix is given, so
 * a file written here has the bytes llama.cpp would write. The searches for scales and mins
 * (make_qkx2_quants, make_qx_quants, make_q3_quants) are followed operation for operation in F32, because
 * their choices turn on float comparisons.
 */
final class KQuantize {
    private KQuantize() {}

    /** Below this the largest scale of a Q6_K super-block counts as zero (ggml's GROUP_MAX_EPS). */
    private static final float GROUP_MAX_EPS = 1e-15f;

    /** Encodes n values of x (n a multiple of t's block) into out at oOff in t's block layout. */
    static void encode(GgmlType t, float[] x, int xOff, int n, byte[] out, int oOff) {
        int blocks = n / t.blockSize();
        for (int b = 0; b < blocks; b++) {
            int xb = xOff + b * t.blockSize();
            int p = oOff + b * t.blockBytes();
            switch (t) {
                case Q4_1 -> q4_1(x, xb, out, p);
                case Q5_0 -> q5_0(x, xb, out, p);
                case Q5_1 -> q5_1(x, xb, out, p);
                case Q2_K -> q2K(x, xb, out, p);
                case Q3_K -> q3K(x, xb, out, p);
                case Q4_K -> q45K(x, xb, out, p, false);
                case Q5_K -> q45K(x, xb, out, p, true);
                case Q6_K -> q6K(x, xb, out, p);
                default -> throw new IllegalArgumentException("no reference quantizer for " + t);
            }
        }
    }

    // ---------------------------------------------------------------- legacy blocks of 32

    /** quantize_row_q4_1_ref: d = (max − min) / 15, m = min, q = min(15, trunc((x − min)/d + 0.5)). */
    private static void q4_1(float[] x, int xb, byte[] out, int p) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[xb + j];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
        }
        float d = (max - min) / 15;
        float id = d != 0f ? 1.0f / d : 0.0f;
        putF16(out, p, d);
        putF16(out, p + 2, min);
        for (int j = 0; j < 16; j++) {
            int xi0 = Math.min(15, (int) ((x[xb + j] - min) * id + 0.5f));
            int xi1 = Math.min(15, (int) ((x[xb + 16 + j] - min) * id + 0.5f));
            out[p + 4 + j] = (byte) (xi0 | xi1 << 4);
        }
    }

    /** quantize_row_q5_0_ref: d = max / −16 (max the value of largest magnitude), q = min(31, trunc(x/d + 16.5)). */
    private static void q5_0(float[] x, int xb, byte[] out, int p) {
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < 32; j++) {
            float v = x[xb + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -16;
        float id = d != 0f ? 1.0f / d : 0.0f;
        putF16(out, p, d);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int xi0 = Math.min(31, (int) (x[xb + j] * id + 16.5f));
            int xi1 = Math.min(31, (int) (x[xb + 16 + j] * id + 16.5f));
            out[p + 6 + j] = (byte) ((xi0 & 0x0f) | (xi1 & 0x0f) << 4);
            qh |= ((xi0 & 0x10) >>> 4) << j;
            qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
        }
        putU32(out, p + 2, qh);
    }

    /** quantize_row_q5_1_ref: d = (max − min) / 31, m = min, q = trunc((x − min)/d + 0.5). */
    private static void q5_1(float[] x, int xb, byte[] out, int p) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[xb + j];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
        }
        float d = (max - min) / 31;
        float id = d != 0f ? 1.0f / d : 0.0f;
        putF16(out, p, d);
        putF16(out, p + 2, min);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int xi0 = (int) ((x[xb + j] - min) * id + 0.5f) & 0xff;
            int xi1 = (int) ((x[xb + 16 + j] - min) * id + 0.5f) & 0xff;
            out[p + 8 + j] = (byte) ((xi0 & 0x0f) | (xi1 & 0x0f) << 4);
            qh |= ((xi0 & 0x10) >>> 4) << j;
            qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
        }
        putU32(out, p + 4, qh);
    }

    // ---------------------------------------------------------------- K-quant super-blocks of 256

    /** quantize_row_q2_K_ref: 16 sub-blocks of 16, each fit as scale·q − min with q in [0, 3]. */
    private static void q2K(float[] x, int xb, byte[] out, int p) {
        byte[] l = new byte[256]; // (256) quants
        byte[] laux = new byte[16];
        float[] weights = new float[16];
        float[] mins = new float[16];
        float[] scales = new float[16];
        float q4scale = 15.f;
        float maxScale = 0f;
        float maxMin = 0f;
        for (int j = 0; j < 16; j++) {
            for (int k = 0; k < 16; k++) {
                weights[k] = Math.abs(x[xb + 16 * j + k]);
            }
            scales[j] = makeQkx2Quants(16, 3, x, xb + 16 * j, weights, l, 16 * j, mins, j, laux, -0.5f, 0.1f, 15, true);
            if (scales[j] > maxScale) {
                maxScale = scales[j];
            }
            if (mins[j] > maxMin) {
                maxMin = mins[j];
            }
        }
        int sc = p; // scales[16], then qs[64], d, dmin
        if (maxScale > 0) {
            float iscale = q4scale / maxScale;
            for (int j = 0; j < 16; j++) {
                out[sc + j] = (byte) ActivationQuant.nearestInt(iscale * scales[j]);
            }
            putF16(out, p + 80, maxScale / q4scale);
        } else {
            for (int j = 0; j < 16; j++) {
                out[sc + j] = 0;
            }
            putF16(out, p + 80, 0f);
        }
        if (maxMin > 0) {
            float iscale = q4scale / maxMin;
            for (int j = 0; j < 16; j++) {
                out[sc + j] |= (byte) (ActivationQuant.nearestInt(iscale * mins[j]) << 4);
            }
            putF16(out, p + 82, maxMin / q4scale);
        } else {
            putF16(out, p + 82, 0f);
        }
        float dAll = GgmlBlocks.f16(out, p + 80);
        float dMin = GgmlBlocks.f16(out, p + 82);
        for (int j = 0; j < 16; j++) {
            int s = out[sc + j] & 0xff;
            float d = dAll * (s & 0x0f);
            if (d == 0f) {
                continue;
            }
            float dm = dMin * (s >>> 4);
            for (int k = 0; k < 16; k++) {
                int q = ActivationQuant.nearestInt((x[xb + 16 * j + k] + dm) / d);
                l[16 * j + k] = (byte) Math.max(0, Math.min(3, q));
            }
        }
        packTwoBit(l, out, p + 16);
    }

    /** quantize_row_q3_K_ref: 16 sub-blocks of 16 with signed 6-bit scales, q in [−4, 3]. */
    private static void q3K(float[] x, int xb, byte[] out, int p) {
        byte[] l = new byte[256]; // (256) quants, biased by 4
        float[] scales = new float[16];
        float maxScale = 0f;
        float amax = 0f;
        for (int j = 0; j < 16; j++) {
            scales[j] = makeQ3Quants(16, 4, x, xb + 16 * j, l, 16 * j);
            float scale = Math.abs(scales[j]);
            if (scale > amax) {
                amax = scale;
                maxScale = scales[j];
            }
        }
        int s = p + 96; // hmask[32], qs[64], scales[12], d
        for (int j = 0; j < 12; j++) {
            out[s + j] = 0;
        }
        if (maxScale != 0f) {
            float iscale = -32.f / maxScale;
            for (int j = 0; j < 16; j++) {
                int v = Math.max(-32, Math.min(31, (byte) ActivationQuant.nearestInt(iscale * scales[j]))) + 32;
                if (j < 8) {
                    out[s + j] = (byte) (v & 0x0f);
                } else {
                    out[s + j - 8] |= (byte) ((v & 0x0f) << 4);
                }
                v >>= 4;
                out[s + 8 + j % 4] |= (byte) (v << (2 * (j / 4)));
            }
            putF16(out, p + 108, 1 / iscale);
        } else {
            putF16(out, p + 108, 0f);
        }
        float dAll = GgmlBlocks.f16(out, p + 108);
        for (int j = 0; j < 16; j++) {
            float d = dAll * GgmlBlocks.scaleQ3K(out, s, j);
            if (d == 0f) {
                continue;
            }
            for (int k = 0; k < 16; k++) {
                int q = ActivationQuant.nearestInt(x[xb + 16 * j + k] / d);
                l[16 * j + k] = (byte) (Math.max(-4, Math.min(3, q)) + 4);
            }
        }
        int m = 0;
        int hm = 1;
        for (int j = 0; j < 32; j++) {
            out[p + j] = 0;
        }
        for (int j = 0; j < 256; j++) {
            if (l[j] > 3) {
                out[p + m] |= (byte) hm;
                l[j] -= 4;
            }
            if (++m == 32) {
                m = 0;
                hm <<= 1;
            }
        }
        packTwoBit(l, out, p + 32);
    }

    /** quantize_row_q4_K_ref / quantize_row_q5_K_ref: 8 sub-blocks of 32 fit as scale·q − min. */
    private static void q45K(float[] x, int xb, byte[] out, int p, boolean five) {
        int nmax = five ? 31 : 15;
        byte[] l = new byte[256]; // (256) quants
        byte[] laux = new byte[32];
        float[] weights = new float[32];
        float[] mins = new float[8];
        float[] scales = new float[8];
        float maxScale = 0f;
        float maxMin = 0f;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0f;
            for (int k = 0; k < 32; k++) {
                sumX2 += x[xb + 32 * j + k] * x[xb + 32 * j + k];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int k = 0; k < 32; k++) {
                weights[k] = avX + Math.abs(x[xb + 32 * j + k]);
            }
            scales[j] = five
                    ? makeQkx2Quants(32, 31, x, xb + 32 * j, weights, l, 32 * j, mins, j, laux, -0.5f, 0.1f, 15, false)
                    : makeQkx2Quants(32, 15, x, xb + 32 * j, weights, l, 32 * j, mins, j, laux, -1.f, 0.1f, 20, false);
            if (scales[j] > maxScale) {
                maxScale = scales[j];
            }
            if (mins[j] > maxMin) {
                maxMin = mins[j];
            }
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        int s = p + 4; // d, dmin, scales[12], (qh[32]), qs[128]
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, ActivationQuant.nearestInt(invScale * scales[j]) & 0xff);
            int lm = Math.min(63, ActivationQuant.nearestInt(invMin * mins[j]) & 0xff);
            if (j < 4) {
                out[s + j] = (byte) ls;
                out[s + j + 4] = (byte) lm;
            } else {
                out[s + j + 4] = (byte) ((ls & 0x0f) | (lm & 0x0f) << 4);
                out[s + j - 4] |= (byte) ((ls >>> 4) << 6);
                out[s + j] |= (byte) ((lm >>> 4) << 6);
            }
        }
        putF16(out, p, maxScale / 63.f);
        putF16(out, p + 2, maxMin / 63.f);
        float dAll = GgmlBlocks.f16(out, p);
        float dMin = GgmlBlocks.f16(out, p + 2);
        for (int j = 0; j < 8; j++) {
            float d = dAll * GgmlBlocks.scaleK4(out, s, j);
            if (d == 0f) {
                continue;
            }
            float dm = dMin * GgmlBlocks.minK4(out, s, j);
            for (int k = 0; k < 32; k++) {
                int q = ActivationQuant.nearestInt((x[xb + 32 * j + k] + dm) / d);
                l[32 * j + k] = (byte) Math.max(0, Math.min(nmax, q));
            }
        }
        if (!five) {
            for (int j = 0; j < 4; j++) {
                for (int k = 0; k < 32; k++) {
                    out[p + 16 + 32 * j + k] = (byte) (l[64 * j + k] | l[64 * j + 32 + k] << 4);
                }
            }
            return;
        }
        int qh = p + 16;
        int ql = p + 48;
        for (int k = 0; k < 32; k++) {
            out[qh + k] = 0;
        }
        int m1 = 1;
        int m2 = 2;
        for (int n = 0; n < 256; n += 64) {
            for (int k = 0; k < 32; k++) {
                int l1 = l[n + k];
                if (l1 > 15) {
                    l1 -= 16;
                    out[qh + k] |= (byte) m1;
                }
                int l2 = l[n + k + 32];
                if (l2 > 15) {
                    l2 -= 16;
                    out[qh + k] |= (byte) m2;
                }
                out[ql + k] = (byte) (l1 | l2 << 4);
            }
            m1 <<= 2;
            m2 <<= 2;
            ql += 32;
        }
    }

    /** quantize_row_q6_K_ref: 16 sub-blocks of 16 with signed 8-bit scales, q in [−32, 31]. */
    private static void q6K(float[] x, int xb, byte[] out, int p) {
        byte[] l = new byte[256]; // (256) quants, biased by 32
        float[] scales = new float[16];
        float maxScale = 0f;
        float maxAbsScale = 0f;
        for (int ib = 0; ib < 16; ib++) {
            float scale = makeQxQuants(16, 32, x, xb + 16 * ib, l, 16 * ib);
            scales[ib] = scale;
            float abs = Math.abs(scale);
            if (abs > maxAbsScale) {
                maxAbsScale = abs;
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            for (int k = 0; k < 210; k++) {
                out[p + k] = 0;
            }
            return;
        }
        float iscale = -128.f / maxScale;
        putF16(out, p + 208, 1 / iscale);
        for (int ib = 0; ib < 16; ib++) {
            out[p + 192 + ib] = (byte) Math.min(127, ActivationQuant.nearestInt(iscale * scales[ib]));
        }
        float dAll = GgmlBlocks.f16(out, p + 208);
        for (int j = 0; j < 16; j++) {
            float d = dAll * out[p + 192 + j];
            if (d == 0f) {
                continue;
            }
            for (int k = 0; k < 16; k++) {
                int q = ActivationQuant.nearestInt(x[xb + 16 * j + k] / d);
                l[16 * j + k] = (byte) (Math.max(-32, Math.min(31, q)) + 32);
            }
        }
        for (int n = 0; n < 2; n++) {
            int ql = p + 64 * n;
            int qh = p + 128 + 32 * n;
            int j = 128 * n;
            for (int k = 0; k < 32; k++) {
                int q1 = l[j + k] & 0x0f;
                int q2 = l[j + k + 32] & 0x0f;
                int q3 = l[j + k + 64] & 0x0f;
                int q4 = l[j + k + 96] & 0x0f;
                out[ql + k] = (byte) (q1 | q3 << 4);
                out[ql + k + 32] = (byte) (q2 | q4 << 4);
                out[qh + k] = (byte) ((l[j + k] >> 4)
                        | (l[j + k + 32] >> 4) << 2
                        | (l[j + k + 64] >> 4) << 4
                        | (l[j + k + 96] >> 4) << 6);
            }
        }
    }

    /** Q2_K/Q3_K quant order: in each half of 128, byte k holds values k, 32+k, 64+k, 96+k at bits 0, 2, 4, 6. */
    private static void packTwoBit(byte[] l, byte[] out, int qs) {
        for (int j = 0; j < 256; j += 128) {
            for (int k = 0; k < 32; k++) {
                out[qs + j / 4 + k] = (byte) (l[j + k] | l[j + k + 32] << 2 | l[j + k + 64] << 4 | l[j + k + 96] << 6);
            }
        }
    }

    // ---------------------------------------------------------------- ggml's scale searches

    /**
     * make_qkx2_quants: fits x[xo, xo+n) ≈ scale·L − min (L in [0, nmax], min ≥ 0 stored in mins[mi]) by
     * trying nstep+1 inverse scales around nmax/(max − min) and keeping the weighted least-squares fit with
     * the smallest weighted error (absolute with useMad, squared otherwise). Returns the scale.
     */
    static float makeQkx2Quants(
            int n,
            int nmax,
            float[] x,
            int xo,
            float[] weights,
            byte[] l,
            int lo,
            float[] mins,
            int mi,
            byte[] laux,
            float rmin,
            float rdelta,
            int nstep,
            boolean useMad) {
        float min = x[xo];
        float max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            if (x[xo + i] < min) {
                min = x[xo + i];
            }
            if (x[xo + i] > max) {
                max = x[xo + i];
            }
            float w = weights[i];
            sumW += w;
            sumX += w * x[xo + i];
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                l[lo + i] = 0;
            }
            mins[mi] = -min;
            return 0.f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int q = ActivationQuant.nearestInt(iscale * (x[xo + i] - min));
            l[lo + i] = (byte) Math.max(0, Math.min(nmax, q));
            float diff = scale * l[lo + i] + min - x[xo + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            mins[mi] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXl = 0;
            for (int i = 0; i < n; i++) {
                int q = ActivationQuant.nearestInt(iscale * (x[xo + i] - min));
                q = Math.max(0, Math.min(nmax, q));
                laux[i] = (byte) q;
                float w = weights[i];
                sumL += w * q;
                sumL2 += w * q * q;
                sumXl += w * q * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXl - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXl) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXl / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * laux[i] + thisMin - x[xo + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError) {
                    for (int i = 0; i < n; i++) {
                        l[lo + i] = laux[i];
                    }
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[mi] = -min;
        return scale;
    }

    /**
     * make_qx_quants with rmse_type 1 and no importance weights (Q6_K): symmetric quants L in [0, 2·nmax)
     * (biased by nmax), weights x², trying 18 inverse scales around −nmax/max for the best weighted fit.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xo, byte[] l, int lo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                l[lo + i] = 0;
            }
            return 0.f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            int q = ActivationQuant.nearestInt(iscale * x[xo + i]);
            q = Math.max(-nmax, Math.min(nmax - 1, q));
            l[lo + i] = (byte) (q + nmax);
            float w = x[xo + i] * x[xo + i];
            sumlx += w * x[xo + i] * q;
            suml2 += w * q * q;
        }
        float scale = suml2 != 0f ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                int q = ActivationQuant.nearestInt(iscale * x[xo + i]);
                q = Math.max(-nmax, Math.min(nmax - 1, q));
                float w = x[xo + i] * x[xo + i];
                sumlx += w * x[xo + i] * q;
                suml2 += w * q * q;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int q = ActivationQuant.nearestInt(iscale * x[xo + i]);
                    l[lo + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, q)));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * make_q3_quants with do_rmse (Q3_K): symmetric quants in [−nmax, nmax) refined for up to five rounds,
     * one value at a time, while the weighted (x²) least-squares fit improves; L biased by nmax.
     */
    static float makeQ3Quants(int n, int nmax, float[] x, int xo, byte[] l, int lo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                l[lo + i] = 0;
            }
            return 0.f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            int q = ActivationQuant.nearestInt(iscale * x[xo + i]);
            q = Math.max(-nmax, Math.min(nmax - 1, q));
            l[lo + i] = (byte) q;
            float w = x[xo + i] * x[xo + i];
            sumlx += w * x[xo + i] * q;
            suml2 += w * q * q;
        }
        for (int itry = 0; itry < 5; itry++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float w = x[xo + i] * x[xo + i];
                float slx = sumlx - w * x[xo + i] * l[lo + i];
                if (slx > 0) {
                    float sl2 = suml2 - w * l[lo + i] * l[lo + i];
                    int newL = ActivationQuant.nearestInt(x[xo + i] * sl2 / slx);
                    newL = Math.max(-nmax, Math.min(nmax - 1, newL));
                    if (newL != l[lo + i]) {
                        slx += w * x[xo + i] * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            l[lo + i] = (byte) newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) {
                break;
            }
        }
        for (int i = 0; i < n; i++) {
            l[lo + i] += (byte) nmax;
        }
        return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
    }

    private static void putF16(byte[] out, int p, float v) {
        short h = Float16.fromFloat(v);
        out[p] = (byte) h;
        out[p + 1] = (byte) (h >> 8);
    }

    private static void putU32(byte[] out, int p, int v) {
        out[p] = (byte) v;
        out[p + 1] = (byte) (v >>> 8);
        out[p + 2] = (byte) (v >>> 16);
        out[p + 3] = (byte) (v >>> 24);
    }
}
