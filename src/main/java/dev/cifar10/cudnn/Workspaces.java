package dev.cifar10.cudnn;

import dev.cifar10.cudnn.CudnnApi.Device;
import dev.cifar10.cudnn.CudnnApi.Workspace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;

/**
 * One cuDNN workspace per GPU and stream, shared by every layer: it grows to the largest need seen and never
 * shrinks, so a training step allocates nothing. (ND4J gives each thread its own stream; one training thread per
 * GPU, as here, means one workspace per GPU. Kernels on one stream run in order, which is what makes sharing safe.)
 *
 * <p>Growing frees the old buffer first, then allocates the new size: {@code cudaFree} waits for the GPU to finish
 * with the old one, and freeing first keeps the peak low. It happens only when a new shape needs more than any
 * before, i.e. in the first steps of a run.
 */
public final class Workspaces {
    private static final Logger log = LoggerFactory.getLogger(Workspaces.class);

    private record Stream(int device, long stream) {
    }

    private final CudnnApi api;
    private final Map<Stream, Workspace> current = new HashMap<>();
    private int allocations;

    public Workspaces(CudnnApi api) {
        this.api = api;
    }

    /**
     * A workspace of at least {@code bytes} on {@code device}'s stream: the current one when it is large enough,
     * otherwise the current one grown to exactly {@code bytes}. Null when nothing is needed and none exists yet.
     */
    public synchronized Workspace atLeast(Device device, long bytes) {
        Stream key = new Stream(device.ordinal(), device.stream());
        Workspace workspace = current.get(key);
        if (bytes <= 0 || workspace != null && workspace.bytes() >= bytes) return workspace;
        if (workspace != null) {
            current.remove(key);
            api.freeWorkspace(workspace);
        }
        Workspace grown = api.allocateWorkspace(bytes);
        allocations++;
        current.put(key, grown);
        log.debug("cuDNN workspace on GPU {} ({}): {}", device.ordinal(), device.name(), format(bytes));
        return grown;
    }

    /** The workspace's size on that device and stream (0 when none). */
    public synchronized long bytes(Device device) {
        Workspace workspace = current.get(new Stream(device.ordinal(), device.stream()));
        return workspace == null ? 0 : workspace.bytes();
    }

    /** How many workspaces were allocated (the first one and each growth). */
    public synchronized int allocations() {
        return allocations;
    }

    /** "1.5 MiB" */
    public static String format(long bytes) {
        if (bytes < 1024) return bytes + " B";
        if (bytes < 1024 * 1024) return String.format(java.util.Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
}
