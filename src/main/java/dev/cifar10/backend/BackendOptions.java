package dev.cifar10.backend;

/**
 * What the user asked of the backend.
 *
 * @param cpuNatives         "auto", "onednn" or "onednn-avx512" (CPU build)
 * @param helpers            engage the native layer helpers (oneDNN on CPU, cuDNN on CUDA); off only for comparisons
 * @param device             the GPU index (CUDA build), -1 for the first supported one
 * @param maxDeviceMemoryMiB ND4J's device memory limit in MiB (CUDA build), 0 for ND4J's default
 */
public record BackendOptions(String cpuNatives, boolean helpers, int device, long maxDeviceMemoryMiB) {
    public static BackendOptions defaults() {
        return new BackendOptions("auto", true, -1, 0);
    }
}
