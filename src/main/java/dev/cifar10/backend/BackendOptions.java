package dev.cifar10.backend;

/**
 * What the user asked of the backend.
 *
 * @param cpuNatives "auto", "onednn" or "onednn-avx512"
 * @param helpers    engage the native layer helpers (oneDNN / cuDNN); off only for comparisons
 */
public record BackendOptions(String cpuNatives, boolean helpers) {
    public static BackendOptions defaults() {
        return new BackendOptions("auto", true);
    }
}
