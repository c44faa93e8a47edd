package dev.drafthorse.kernels.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link F32Kernels#siluGated} against its scalar reference {@link ScalarKernels#siluGated}, bit for bit. */
class SiluVectorTest {
    @Test
    void vectorSiluGatedEqualsScalarBitForBit() {
        Random random = new Random(11);
        float[] special = {
            0f,
            -0f,
            1e-40f,
            -1e-40f,
            86.6f,
            -86.6f,
            86.61f,
            -86.61f,
            88.72f,
            -88.72f,
            88.73f,
            -88.73f,
            100f,
            -100f,
            Float.MAX_VALUE,
            -Float.MAX_VALUE,
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            Float.NaN
        };
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(300);
            float[] gate = new float[n];
            float[] up = new float[n];
            for (int i = 0; i < n; i++) {
                gate[i] = random.nextInt(8) == 0
                        ? special[random.nextInt(special.length)]
                        : (float) (random.nextGaussian() * Math.pow(2, random.nextInt(12) - 4));
                up[i] = (float) random.nextGaussian();
            }
            int from = random.nextInt(n);
            int to = from + random.nextInt(n - from + 1);
            float[] scalar = gate.clone();
            float[] vector = gate.clone();
            ScalarKernels.siluGated(scalar, up, from, to);
            F32Kernels.siluGated(vector, up, from, to);
            for (int i = 0; i < n; i++) {
                assertEquals(
                        Float.floatToRawIntBits(scalar[i]),
                        Float.floatToRawIntBits(vector[i]),
                        "element " + i + " of [" + from + ", " + to + "), gate " + gate[i]);
            }
        }
    }
}
