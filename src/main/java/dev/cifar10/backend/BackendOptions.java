package dev.cifar10.backend;

/**
 * What the user asked of the backend.
 *
 * @param backend            "auto" (CUDA where it can run, else the CPU), "cpu" or "cuda" (insist)
 * @param cpuNatives         "auto", "onednn" or "onednn-avx512"
 * @param helpers            engage the native layer helpers (oneDNN on CPU, cuDNN on CUDA); off only for comparisons
 * @param device             "auto" (the first supported GPU), "all" (every supported GPU) or a GPU index (insist on it)
 * @param workers            the requested trainers, 0 for the default; on CUDA with device auto, N > 1 uses up to N GPUs
 * @param maxDeviceMemoryMiB ND4J's device memory limit in MiB (CUDA), 0 for ND4J's default
 */
public record BackendOptions(String backend, String cpuNatives, boolean helpers, String device, int workers, long maxDeviceMemoryMiB) {
    public static final String AUTO = "auto", CPU = "cpu", CUDA = "cuda", ALL_DEVICES = "all";

    public static BackendOptions defaults() {
        return new BackendOptions(AUTO, AUTO, true, AUTO, 0, 0);
    }

    /** Why these options contradict each other (a GPU named for the CPU backend), or null. */
    public String contradiction() {
        return backend.equals(CPU) && !device.equals(AUTO)
                ? "--device " + device + " names a GPU, but --backend cpu asks for the CPU. Drop one of them." : null;
    }

    /** --backend cuda, or a GPU named with --device: then a GPU problem ends the run instead of falling back. */
    public boolean insistsOnCuda() {
        return backend.equals(CUDA) || !device.equals(AUTO);
    }

    /** The same, but taking whatever runs here: a model trained on a named GPU still evaluates on a machine without it. */
    public BackendOptions withoutInsisting() {
        return new BackendOptions(backend.equals(CPU) ? CPU : AUTO, cpuNatives, helpers, AUTO, 0, maxDeviceMemoryMiB);
    }

    /** Which flag insists, for messages. */
    String insistingFlag() {
        return backend.equals(CUDA) ? "--backend cuda" : "--device " + device;
    }
}
