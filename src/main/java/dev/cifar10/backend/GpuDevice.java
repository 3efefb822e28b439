package dev.cifar10.backend;

/**
 * One NVIDIA GPU as the driver reports it.
 *
 * @param computeCapability e.g. "8.6"; null when the driver is too old to report it
 */
public record GpuDevice(int index, String name, long memoryMiB, String computeCapability, String driverVersion) {

    public String describe() {
        return String.format("GPU %d: %s, compute capability %s, %,d MiB, driver %s", index, name,
                computeCapability == null ? "unknown" : computeCapability, memoryMiB, driverVersion);
    }
}
