package dev.cifar10.backend;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Sets variables in this process's C environment (libc {@code setenv}), where native libraries
 * loaded later read them: libgomp's OpenMP settings, CUDA's device selection. Java's own
 * {@code System.getenv} view is not changed, so callers check it first to respect the user's values.
 */
final class NativeEnvironment {
    private static LibC libc;

    private NativeEnvironment() {
    }

    interface LibC extends Library {
        int setenv(String name, String value, int overwrite);
    }

    /** @return null when set, else why not */
    static synchronized String set(String name, String value) {
        try {
            if (libc == null) libc = Native.loadLibrary("c", LibC.class);
            return libc.setenv(name, value, 1) == 0 ? null : "setenv failed";
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return e.getMessage();
        }
    }
}
