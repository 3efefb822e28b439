package dev.cifar10.backend;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * OpenMP settings for libnd4j's bundled libgomp, applied to this process's environment before
 * ND4J loads it (libgomp reads them once, when it is loaded).
 *
 * <p>Why: the JVM runs its own threads (JIT, GC, DL4J's prefetch) beside the OpenMP team. With
 * libgomp's defaults the team threads migrate between cores and spin for a long time after every
 * parallel region, fighting those threads for the CPU; on a 2-vCPU AMD EPYC that cost 12% to 28% of the
 * training speed (docs/benchmarks-history.md). Binding the team to cores and spinning briefly
 * removes most of it. A variable the user already exported is left alone.
 */
public final class OpenMpSettings {
    static final Map<String, String> DEFAULTS = new TreeMap<>(Map.of(
            "OMP_PROC_BIND", "true",
            "GOMP_SPINCOUNT", "1000"));

    private OpenMpSettings() {
    }

    /** Sets each default the environment lacks; returns the effective values, noting the user's own. */
    public static Map<String, String> apply() {
        Map<String, String> effective = new LinkedHashMap<>();
        DEFAULTS.forEach((name, value) -> {
            String existing = System.getenv(name);
            if (existing != null) {
                effective.put(name, existing + " (from environment)");
            } else {
                String problem = NativeEnvironment.set(name, value);
                effective.put(name, problem == null ? value : "unset (" + problem + ")");
            }
        });
        return effective;
    }
}
