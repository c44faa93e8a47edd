package dev.drafthorse.kernels.tensor;

/**
 * Where the large weight arrays start their data. A vector load that straddles two cache lines costs a
 * second access; streaming a matrix–vector product from a float[] whose data sits 16 bytes past a cache
 * line reached 24 GB/s on one core of the AVX-512 EPYC, against 32 GB/s from a cache-line boundary (the
 * same loop in C: 22 and 33 GB/s). Java gives no address of an array, but HotSpot's G1 places an array of
 * half a region or more (a "humongous" object: every weight matrix of a 100M-parameter model) at the
 * start of a region, and the data of an int or float array begins 16 bytes after the array (the 64-bit
 * header with compressed class pointers, the default from JDK 17 to 25). Skipping {@link #PAD} elements
 * puts the first used element of such an array on a cache line. Elsewhere (small arrays, other collectors
 * or headers) the skip costs 48 bytes and nothing else: no result depends on it.
 */
final class Aligned {
    /** Elements of 4 bytes skipped at the front of a weight array: (64 − 16) / 4. */
    static final int PAD = 12;

    private Aligned() {}
}
