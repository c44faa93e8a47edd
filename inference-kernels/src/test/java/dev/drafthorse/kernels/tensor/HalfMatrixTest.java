package dev.drafthorse.kernels.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * F16 weights with subnormal values: stored scaled by a power of two so the kernels never multiply a
 * subnormal (slow on x86), yet every path gives the values and bits of the file. The oracle for the bits is
 * the same matrix multiplied by 2^10 in the file, which has no subnormal and is stored unscaled: scaling by
 * a power of two commutes exactly with every rounding, so its results are ours times 2^10.
 */
class HalfMatrixTest {
    private static final int ROWS = 9;
    private static final int COLS = 96;

    /** Halves (rows, cols): Gaussian weights of a trained model's scale, every tenth one subnormal, some zeros. */
    private static short[] halves(Random rnd) {
        short[] h = new short[ROWS * COLS];
        for (int i = 0; i < h.length; i++) {
            float v = (float) (rnd.nextGaussian() * 0.02);
            if (i % 10 == 3) {
                v = (float) ((rnd.nextInt(1023) + 1) * Math.scalb(1.0, -24) * (rnd.nextBoolean() ? 1 : -1));
            } else if (i % 17 == 5) {
                v = i % 2 == 0 ? 0f : -0f;
            }
            h[i] = Float16.fromFloat(v);
        }
        h[7] = 1; // the smallest subnormal, 2^-24
        return h;
    }

    private static F16Matrix matrix(short[] h) {
        ByteBuffer b = ByteBuffer.allocate(2 * h.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(h);
        return new F16Matrix(b, ROWS, COLS);
    }

    private static short[] times(short[] h, int k) {
        short[] out = new short[h.length];
        for (int i = 0; i < h.length; i++) {
            out[i] = Float16.fromFloat(Float16.toFloat(h[i]) * (1 << k));
        }
        return out;
    }

    @Test
    void subnormalsAreLiftedAndEveryPathKeepsTheFilesBits() {
        Random rnd = new Random(16);
        short[] h = halves(rnd);
        F16Matrix w = matrix(h);
        F16Matrix lifted = matrix(times(h, 10)); // no subnormal left: stored as in the file
        assertEquals(10, w.shift, "the smallest subnormal needs 2^10");
        assertEquals(0, lifted.shift);

        float[] row = new float[COLS];
        for (int r = 0; r < ROWS; r++) {
            w.row(r, row, 0);
            for (int i = 0; i < COLS; i++) {
                assertEquals(
                        Float.floatToRawIntBits(Float16.toFloat(h[r * COLS + i])), Float.floatToRawIntBits(row[i]));
            }
        }

        int t = 5; // decode (t = 1) and the tiled prefill path
        float[] x = new float[t * COLS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int rows : new int[] {1, t}) {
            float[] ours = new float[rows * ROWS];
            float[] oracle = new float[rows * ROWS];
            Matmul.matmul(w, x, rows, ours, new Parallel(1));
            Matmul.matmul(lifted, x, rows, oracle, new Parallel(1));
            for (int i = 0; i < ours.length; i++) {
                assertEquals(
                        Float.floatToRawIntBits(Math.scalb(oracle[i], -10)),
                        Float.floatToRawIntBits(ours[i]),
                        "t " + rows + " output " + i);
            }
        }
        for (int r = 0; r < ROWS; r++) {
            assertEquals(Math.scalb(lifted.dotScalar(r, x, 0), -10), w.dotScalar(r, x, 0), 0f, "scalar row " + r);
        }
    }

    @Test
    void theShiftStopsWhereTheLargestValueWouldOverflow() {
        short[] h = halves(new Random(3));
        h[0] = Float16.fromFloat(40000f); // exponent 30, the largest finite one: no room to scale
        assertEquals(0, matrix(h).shift);
        h[0] = Float16.fromFloat(3000f); // exponent 26: room for 2^4
        F16Matrix w = matrix(h);
        assertEquals(4, w.shift);
        float[] row = new float[COLS];
        w.row(0, row, 0);
        for (int i = 0; i < COLS; i++) {
            assertEquals(Float.floatToRawIntBits(Float16.toFloat(h[i])), Float.floatToRawIntBits(row[i]), "value " + i);
        }
        short[] normal = {Float16.fromFloat(1f), Float16.fromFloat(-0.5f), 0};
        assertEquals(0, HalfMatrix.normalizingShift(java.nio.ShortBuffer.wrap(normal)), "nothing to lift");
    }
}
