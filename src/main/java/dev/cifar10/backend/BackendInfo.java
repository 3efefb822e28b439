package dev.cifar10.backend;

import java.util.Map;

/**
 * What actually loaded: goes to the start-up banner, run.json and benchmark records.
 *
 * @param helpers "oneDNN", "cuDNN" or "off"
 * @param gpu     the GPU in use (CUDA build), else null
 */
public record BackendInfo(String backend, String nativeVariant, String helpers, CpuInfo cpu, GpuDevice gpu,
                          Map<String, Object> details) {
    /** What the nd4j-cuda-11.6 1.0.0-M2.1 -cudnn natives were built against. */
    public static final String CUDA_VERSION = "11.6", CUDNN_VERSION = "8.3";

    public String banner() {
        String base = String.format("Backend: %s | natives: %s | layer helpers: %s | CPU: %s, %d threads",
                backend, nativeVariant, helpers, cpu.model(), cpu.logicalCores());
        return gpu == null ? base : base + "\n" + gpu.describe() + " | CUDA " + CUDA_VERSION + ", cuDNN " + CUDNN_VERSION;
    }
}
