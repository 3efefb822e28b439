package dev.cifar10.backend;

import org.bytedeco.javacpp.Pointer;

import java.lang.reflect.Method;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * JavaCPP's cap on this process's physical memory, checked once a training step (train's
 * {@code EpochProgress}, the Spark job's {@code ExecutorChecks}) and once an evaluation batch
 * ({@code Evaluator}) instead of on every native allocation.
 *
 * <p>Why: JavaCPP checks the cap each time it allocates a pointer it must free, and ND4J allocates
 * several small ones for every operation (shape descriptions, arguments): about a hundred reads of
 * {@code /proc/self/statm} per training step, 1.8% of the training thread's time in async-profiler (2-vCPU AMD EPYC).
 * A step allocates far less than the cap, so checking between steps catches the same runaway run.
 *
 * <p>The cap is the one JavaCPP would check: the user's {@code -Dorg.bytedeco.javacpp.maxPhysicalBytes}
 * (either spelling, JavaCPP's syntax), else JavaCPP's default ({@code maxBytes + 3 x} the Java heap's
 * maximum); 0 means none, as in JavaCPP. The error is JavaCPP's, so {@code cli.OutOfMemoryException}
 * explains it as before. Allocations outside training and evaluation (loading the data) are not
 * capped by it; those are on the Java heap.
 */
public final class PhysicalMemoryGuard {
    static final String PROPERTY = "org.bytedeco.javacpp.maxPhysicalBytes";
    static final String PROPERTY_LOWER_CASE = "org.bytedeco.javacpp.maxphysicalbytes";   // JavaCPP reads both

    private static volatile long cap;   // 0: none here (JavaCPP checks its own, or there is none)
    private static String userCap;      // the user's setting, taken over
    private static final LongAdder checks = new LongAdder();   // calls to check(), so tests can count them per step

    private PhysicalMemoryGuard() {
    }

    /**
     * Takes JavaCPP's check over; call before anything loads JavaCPP's {@code Pointer}. Returns the
     * cap now checked once a step, or 0 where there is none or JavaCPP keeps its own check
     * ({@code Pointer} was loaded first).
     */
    public static synchronized long takeOver() {
        if (userCap == null) {   // first call: nothing here has touched Pointer yet
            String lower = System.getProperty(PROPERTY_LOWER_CASE);
            userCap = System.getProperty(PROPERTY, lower == null ? "" : lower).strip();   // JavaCPP's own precedence
            System.setProperty(PROPERTY, "0");
            System.clearProperty(PROPERTY_LOWER_CASE);
        }
        if (Pointer.maxPhysicalBytes() == 0 && "0".equals(System.getProperty(PROPERTY))) {
            long heap = Runtime.getRuntime().maxMemory();
            long maxBytes = Pointer.maxBytes();
            cap = !userCap.isEmpty() ? parse(userCap, heap)
                    : maxBytes > 0 ? maxBytes + 3 * heap : 0;   // JavaCPP's own default
        }
        return cap;
    }

    private static long parse(String value, long heap) {
        try {
            return Pointer.parseBytes(value, heap);   // JavaCPP's syntax: bytes, K/M/G/T suffixes, or % of the heap
        } catch (NumberFormatException e) {
            throw new BackendException("-D" + PROPERTY + "=" + value + " is not a size JavaCPP reads.",
                    "Give bytes with an optional K, M, G or T suffix (e.g. 10G), or a percentage of the Java heap, or 0 for no cap.");
        }
    }

    /**
     * Throws JavaCPP's {@link OutOfMemoryError} when the process's resident memory is above the cap
     * even after JavaCPP's remedy, tried as often as JavaCPP tries it ({@code org.bytedeco.javacpp.maxRetries}):
     * a garbage collection (native memory that only the collector lets go), then the freed memory
     * handed back to the system.
     */
    public static void check() {
        checks.increment();
        long limit = cap;
        long physical = limit <= 0 ? 0 : Pointer.physicalBytes();
        for (int attempt = 0; physical > limit && attempt < maxRetries(); attempt++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();   // a stop request: the training loop ends the run
                return;
            }
            Pointer.deallocateReferences();
            trimMemory();
            physical = Pointer.physicalBytes();
        }
        if (physical > limit) {
            throw new OutOfMemoryError(String.format(Locale.ROOT, "Physical memory usage is too high: physicalBytes (%s) > "
                    + "maxPhysicalBytes (%s), checked once a step (training step or evaluation batch)", Pointer.formatBytes(physical), Pointer.formatBytes(limit)));
        }
    }

    /** How many times {@link #check} has run in this process, with or without a cap. */
    static long checks() {
        return checks.sum();
    }

    /** Puts {@code bytes} in place of the cap {@link #takeOver} chose; returns the one replaced. For tests: a cap the process is above. */
    static long replaceCap(long bytes) {
        long replaced = cap;
        cap = bytes;
        return replaced;
    }

    private static int maxRetries() {
        String value = System.getProperty("org.bytedeco.javacpp.maxRetries", System.getProperty("org.bytedeco.javacpp.maxretries", "10"));
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return 10;   // JavaCPP's default
        }
    }

    /** JavaCPP's own {@code malloc_trim}, private in JavaCPP 1.5.7; skipped where it cannot be reached. */
    private static void trimMemory() {
        try {
            Method trim = Pointer.class.getDeclaredMethod("trimMemory");
            trim.setAccessible(true);
            trim.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException | UnsatisfiedLinkError e) {
            // the collection above has done what it can
        }
    }
}
