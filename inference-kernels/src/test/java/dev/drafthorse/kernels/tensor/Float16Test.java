package dev.drafthorse.kernels.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class Float16Test {

    @Test
    void everyHalfRoundTrips() {
        for (int h = 0; h < 1 << 16; h++) {
            float f = Float16.toFloat((short) h);
            if (Float.isNaN(f)) {
                continue;
            }
            assertEquals(h, Float16.fromFloat(f) & 0xffff, "half 0x" + Integer.toHexString(h));
        }
    }

    @Test
    void knownValuesAndRounding() {
        assertEquals(1.0f, Float16.toFloat((short) 0x3c00));
        assertEquals(-2.0f, Float16.toFloat((short) 0xc000));
        assertEquals(65504f, Float16.toFloat((short) 0x7bff));
        assertEquals(0x1p-24f, Float16.toFloat((short) 0x0001));
        assertEquals(0x7c00, Float16.fromFloat(70000f) & 0xffff);
        // 1 + 2^-11 is halfway between 1 and the next half: ties to even (1.0)
        assertEquals(0x3c00, Float16.fromFloat(1f + 0x1p-11f) & 0xffff);
        assertEquals(0x3c01, Float16.fromFloat(1f + 0x1p-11f + 0x1p-20f) & 0xffff);
        assertEquals(0x3f80, Float16.floatToBf16(1.0f) & 0xffff);
        assertEquals(1.0f, Float16.bf16ToFloat((short) 0x3f80));
    }
}
