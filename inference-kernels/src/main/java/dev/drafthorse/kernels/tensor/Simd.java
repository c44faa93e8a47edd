package dev.drafthorse.kernels.tensor;

/**
 * Whether the {@code jdk.incubator.vector} paths run. They run when the module is in the boot layer
 * (the JVM was started with {@code --add-modules jdk.incubator.vector}) unless the system property
 * {@code drafthorse.simd=false} forces the scalar reference paths. Classes that touch the Vector API are
 * only loaded behind this flag, so a JVM without the module runs the scalar code and never sees a
 * {@code NoClassDefFoundError}.
 */
public final class Simd {
    /** True when vector kernels are used. */
    public static final boolean ENABLED = detect();

    private Simd() {}

    private static boolean detect() {
        if ("false".equalsIgnoreCase(System.getProperty("drafthorse.simd", "true"))) {
            return false;
        }
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** A one-line description for logs and {@code bench}: which path runs and how wide it is. */
    public static String describe() {
        return ENABLED ? "vector (" + F32Kernels.describe() + ")" : "scalar";
    }
}
