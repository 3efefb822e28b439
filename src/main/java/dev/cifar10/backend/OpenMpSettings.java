package dev.cifar10.backend;

import com.sun.jna.Library;
import com.sun.jna.Native;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * OpenMP settings for libnd4j's bundled libgomp, applied to this process's environment before
 * ND4J loads it (libgomp reads them once, when it is loaded).
 *
 * <p>Why: the JVM runs its own threads (JIT, GC, DL4J's prefetch) beside the OpenMP team. With
 * libgomp's defaults the team threads migrate between cores and spin for a long time after every
 * parallel region, fighting those threads for the CPU; on 2 cores that cost about a third of the
 * training speed (README, "CPU performance"). Binding the team to cores and spinning briefly
 * removes most of it. A variable the user already exported is left alone.
 */
public final class OpenMpSettings {
    static final Map<String, String> DEFAULTS = Map.of(
            "OMP_PROC_BIND", "true",
            "GOMP_SPINCOUNT", "1000");

    private OpenMpSettings() {
    }

    interface LibC extends Library {
        int setenv(String name, String value, int overwrite);
    }

    /** Sets each default the environment lacks; returns the effective values, noting which were ours. */
    public static Map<String, String> apply() {
        Map<String, String> effective = new LinkedHashMap<>();
        LibC libc = null;
        for (var e : new java.util.TreeMap<>(DEFAULTS).entrySet()) {
            String existing = System.getenv(e.getKey());
            if (existing != null) {
                effective.put(e.getKey(), existing + " (from environment)");
                continue;
            }
            try {
                if (libc == null) libc = Native.loadLibrary("c", LibC.class);
                libc.setenv(e.getKey(), e.getValue(), 0);
                effective.put(e.getKey(), e.getValue());
            } catch (UnsatisfiedLinkError | RuntimeException ex) {
                effective.put(e.getKey(), "unset (could not set: " + ex.getMessage() + ")");
            }
        }
        return effective;
    }
}
