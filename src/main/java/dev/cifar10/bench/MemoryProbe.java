package dev.cifar10.bench;

import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak memory of this process: resident set (Linux VmHWM: heap, off-heap and native together),
 * Java heap (sum of the heap pools' peaks), and off-heap: the resident set minus the committed
 * heap, sampled after every step (ND4J allocates its buffers in native code, where JavaCPP's own
 * counters do not see them).
 */
public final class MemoryProbe extends BaseTrainingListener {
    private final boolean gpu;
    private long peakOffHeap;
    private long peakGpu;

    /** @param gpu also track ND4J's device memory counters (CUDA build) */
    public MemoryProbe(boolean gpu) {
        this.gpu = gpu;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        sample();
    }

    private synchronized void sample() { // ParallelWrapper's replicas share this listener
        peakOffHeap = Math.max(peakOffHeap, Pointer.physicalBytes() - Runtime.getRuntime().totalMemory());
        if (gpu) {
            long onDevices = 0;
            for (int d = 0; d < Nd4j.getAffinityManager().getNumberOfDevices(); d++) {
                onDevices += Nd4j.getEnvironment().getDeviceCouner(d); // sic: ND4J's spelling
            }
            peakGpu = Math.max(peakGpu, onDevices);
        }
    }

    /** Peak bytes ND4J held on the GPUs, or null on CPU. */
    public synchronized Long peakGpuBytes() {
        return gpu ? peakGpu : null;
    }

    public synchronized long peakOffHeapBytes() {
        sample();
        return peakOffHeap;
    }

    public static long peakHeapBytes() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) sum += pool.getPeakUsage().getUsed();
        }
        return sum;
    }

    /** Peak resident set size from /proc/self/status, or null off Linux. */
    public static Long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return null;
    }
}
