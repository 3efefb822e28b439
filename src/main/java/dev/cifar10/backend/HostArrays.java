package dev.cifar10.backend;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Whether arrays live in host memory, as on the CPU backend: the one switch behind every path that reads or writes an
 * array's memory from Java (the tuned dropout's mask, the progress bar's accuracy, the updater's buffer identity).
 * On CUDA those paths take their device branch instead.
 *
 * <p>Tests run the device branches on the CPU with {@link #forceDeviceBranches} (or {@code -Dcifar10.device-branches=true})
 * and compare them with the host branches: no GPU is needed to know they compute the same.
 */
public final class HostArrays {
    public static final String FORCE_PROPERTY = "cifar10.device-branches";
    private static volatile boolean forced = Boolean.getBoolean(FORCE_PROPERTY);

    private HostArrays() {
    }

    /** True on the CPU backend, unless the device branches are forced. */
    public static boolean onHost() {
        return !forced && Nd4j.getEnvironment().isCPU();
    }

    /** Runs the device branches on any backend (for tests); returns the previous setting. */
    public static boolean forceDeviceBranches(boolean force) {
        boolean previous = forced;
        forced = force;
        return previous;
    }
}
