package dev.drafthorse.kernels.tensor;

/**
 * IEEE 754 half precision (F16) and bfloat16 (BF16) conversions. Java 17 has no
 * {@code Float.float16ToFloat}, so F16 to F32 is a 65,536-entry table (exact for every half value,
 * subnormals, infinities and NaN included) and F32 to F16 rounds to nearest even.
 */
public final class Float16 {
    private static final float[] F16_TO_F32 = new float[1 << 16];

    static {
        for (int h = 0; h < F16_TO_F32.length; h++) {
            F16_TO_F32[h] = decode(h);
        }
    }

    private Float16() {}

    /** The F32 value of an F16 bit pattern (low 16 bits of {@code h}). */
    public static float toFloat(short h) {
        return F16_TO_F32[h & 0xffff];
    }

    /** The F32 value of a BF16 bit pattern: the upper half of an F32. */
    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    /** F32 to BF16, rounding to nearest even (NaN stays NaN). */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** F32 to F16, rounding to nearest even; overflow gives infinity, NaN stays NaN. */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs >= 0x7f800000) { // Inf or NaN
            return (short) (sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 : 0));
        }
        if (abs >= 0x477ff000) { // rounds to >= 65520: overflow to infinity
            return (short) (sign | 0x7c00);
        }
        if (abs < 0x38800000) { // below the smallest normal half: subnormal or zero
            if (abs < 0x33000000) { // below half of the smallest subnormal: zero
                return (short) sign;
            }
            int e = abs >>> 23;
            int mant = (abs & 0x7fffff) | 0x800000;
            int shift = 126 - e; // 113 - e + 13
            int half = mant >>> shift;
            int rem = mant & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int rounded = abs + 0xfff + ((abs >>> 13) & 1);
        return (short) (sign | ((rounded - 0x38000000) >>> 13));
    }

    private static float decode(int h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal (or zero): exact
            return sign == 0 ? v : -v;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
