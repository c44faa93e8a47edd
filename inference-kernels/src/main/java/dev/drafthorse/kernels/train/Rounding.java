package dev.drafthorse.kernels.train;

/**
 * Rounds activations and gradients to the storage {@link Precision} as they are stored, and counts the
 * gradient values that were non-zero before rounding and zero after: the underflow that loss scaling
 * exists to prevent (Micikevicius et al. 2018, fig. 3). One per forward/backward pass; not thread-safe.
 */
public final class Rounding {
    private final Precision precision;
    private long gradNonzero; // gradient values non-zero before rounding
    private long gradFlushed; // of those, the ones that rounded to zero

    public Rounding(Precision precision) {
        this.precision = precision;
    }

    public Precision precision() {
        return precision;
    }

    /** Stores activations a[off, off + n). */
    public void act(double[] a, int off, int n) {
        precision.round(a, off, n);
    }

    public void act(double[] a) {
        precision.round(a);
    }

    /** Stores gradients a[off, off + n), counting underflow. */
    public void grad(double[] a, int off, int n) {
        if (precision == Precision.F64) {
            return;
        }
        for (int i = off; i < off + n; i++) {
            double x = a[i];
            if (x != 0) {
                gradNonzero++;
                double r = precision.round(x);
                if (r == 0) {
                    gradFlushed++;
                }
                a[i] = r;
            }
        }
    }

    public void grad(double[] a) {
        grad(a, 0, a.length);
    }

    public long gradNonzero() {
        return gradNonzero;
    }

    public long gradFlushed() {
        return gradFlushed;
    }
}
