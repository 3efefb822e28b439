package dev.cifar10.backend;

import org.bytedeco.javacpp.Pointer;

import java.lang.reflect.Method;
import java.util.Locale;

/**
 * JavaCPP's cap on this process's physical memory, checked once a training step instead of on every
 * native allocation.
 *
 * <p>Why: JavaCPP checks the cap each time it allocates a pointer it must free, and ND4J allocates
 * several small ones for every operation (shape descriptions, arguments): about a hundred reads of
 * {@code /proc/self/statm} per training step, 1.8% of the training thread's time in async-profiler.
 * A step allocates far less than the cap, so checking between steps catches the same runaway run.
 *
 * <p>The cap is JavaCPP's default ({@code maxBytes + 3 x} the Java heap's maximum) and the error is
 * JavaCPP's, so {@code cli.OutOfMemoryException} explains it as before. A cap the user sets with
 * {@code -Dorg.bytedeco.javacpp.maxPhysicalBytes} is left to JavaCPP, checked as JavaCPP checks it.
 */
public final class PhysicalMemoryGuard {
    static final String PROPERTY = "org.bytedeco.javacpp.maxPhysicalBytes";
    static final String PROPERTY_LOWER_CASE = "org.bytedeco.javacpp.maxphysicalbytes";   // JavaCPP reads both

    private static volatile long cap;   // 0: JavaCPP checks its own cap, or there is none
    private static boolean propertySetHere;

    private PhysicalMemoryGuard() {
    }

    /**
     * Takes JavaCPP's check over, unless the user set a cap; call before anything loads JavaCPP's
     * {@code Pointer}. Returns the cap checked once a step, or 0 where JavaCPP keeps its own check
     * (the user's cap, or {@code Pointer} already loaded).
     */
    public static synchronized long takeOver() {
        if (System.getProperty(PROPERTY) == null && System.getProperty(PROPERTY_LOWER_CASE) == null) {
            System.setProperty(PROPERTY, "0");
            propertySetHere = true;
        }
        if (propertySetHere && Pointer.maxPhysicalBytes() == 0) {
            long maxBytes = Pointer.maxBytes();
            cap = maxBytes > 0 ? maxBytes + 3 * Runtime.getRuntime().maxMemory() : 0;   // JavaCPP's own default
        }
        return cap;
    }

    /**
     * Throws JavaCPP's {@link OutOfMemoryError} when the process's resident memory is above the cap
     * even after JavaCPP's remedy, tried as often as JavaCPP tries it: a garbage collection (native
     * memory that only the collector lets go), then the freed memory handed back to the system.
     */
    public static void check() {
        long limit = cap;
        long physical = limit <= 0 ? 0 : Pointer.physicalBytes();
        for (int attempt = 0; physical > limit && attempt < MAX_ATTEMPTS; attempt++) {
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
                    + "maxPhysicalBytes (%s), checked once a training step", Pointer.formatBytes(physical), Pointer.formatBytes(limit)));
        }
    }

    private static final int MAX_ATTEMPTS = 10;   // JavaCPP's default org.bytedeco.javacpp.maxRetries

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
