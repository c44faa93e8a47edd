package dev.drafthorse.kernels.train;

/**
 * One trained tensor: the F32 master copy the optimizer updates, the working copy the passes read
 * (the master rounded to the storage precision), and AdamW's two moments.
 *
 * <p>Matrices are (rows, cols) row-major, as {@code WeightMatrix}; vectors have rows = 1.
 */
public final class Param {
    private final String name;
    private final int rows;
    private final int cols;
    private final boolean decay;
    final float[] master; // (rows, cols) F32 master weights
    final double[] work; // (rows, cols) master rounded to the storage precision
    final double[] m; // (rows, cols) AdamW first moment
    final double[] v; // (rows, cols) AdamW second moment

    /**
     * @param name the tensor's name in the heads file
     * @param decay true for matrices (weight decay applies), false for norms and biases
     */
    public Param(String name, int rows, int cols, boolean decay) {
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.decay = decay;
        int n = Math.multiplyExact(rows, cols);
        master = new float[n];
        work = new double[n];
        m = new double[n];
        v = new double[n];
    }

    public String name() {
        return name;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public int size() {
        return master.length;
    }

    public boolean decay() {
        return decay;
    }

    /** A vector (norm weight or bias): stored F32 in the heads file whatever the precision. */
    public boolean isVector() {
        return rows == 1;
    }

    /** The master weights (F32); callers must {@link #sync} after writing them. */
    public float[] master() {
        return master;
    }

    /** The weights the passes read. */
    public double[] work() {
        return work;
    }

    /** Refreshes the working copy from the master: vectors stay F32, matrices are rounded to the precision. */
    public void sync(Precision p) {
        Precision s = isVector() && p != Precision.F64 ? Precision.F32 : p;
        for (int i = 0; i < master.length; i++) {
            work[i] = s.round(master[i]);
        }
    }
}
