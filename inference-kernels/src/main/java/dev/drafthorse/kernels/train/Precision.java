package dev.drafthorse.kernels.train;

import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.tensor.Float16;

/**
 * The storage precision of the trained weights, activations and gradients (Micikevicius et al. 2018):
 * every stored value is rounded through the format's bits, while the arithmetic that produces it
 * accumulates in double (as tensor cores accumulate half products in F32). {@link #F64} stores exactly
 * and exists for the gradient checks, which difference the loss in double.
 */
public enum Precision {
    /** No rounding: the gradient checks' precision. */
    F64(GgmlType.F32),
    F32(GgmlType.F32),
    /** IEEE half: 5 exponent bits, so values below 2^-24 flush to zero and above 65504 overflow. */
    F16(GgmlType.F16),
    /** bfloat16: F32's exponent range with 8 significant bits. */
    BF16(GgmlType.BF16);

    private final GgmlType fileType;

    Precision(GgmlType fileType) {
        this.fileType = fileType;
    }

    /** The GGUF type the trained matrices are written in. */
    public GgmlType fileType() {
        return fileType;
    }

    /** The name in files and on the command line: f32, f16, bf16 (f64 for checks). */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses f32, f16 or bf16 (the trainable precisions), naming the parameter on failure. */
    public static Precision parse(String s, String param) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "f32" -> F32;
            case "f16" -> F16;
            case "bf16" -> BF16;
            default -> throw new IllegalArgumentException(param + " must be f32, f16 or bf16, got '" + s + "'");
        };
    }

    /** x rounded to the nearest value of this format (round to nearest even; overflow to infinity). */
    public double round(double x) {
        return switch (this) {
            case F64 -> x;
            case F32 -> (float) x;
            case F16 -> Float16.toFloat(Float16.fromFloat((float) x));
            case BF16 -> Float16.bf16ToFloat(Float16.floatToBf16((float) x));
        };
    }

    /** Rounds a[off, off + n) in place. */
    public void round(double[] a, int off, int n) {
        if (this == F64) {
            return;
        }
        for (int i = off; i < off + n; i++) {
            a[i] = round(a[i]);
        }
    }

    public void round(double[] a) {
        round(a, 0, a.length);
    }
}
