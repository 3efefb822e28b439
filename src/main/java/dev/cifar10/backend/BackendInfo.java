package dev.cifar10.backend;

import java.util.List;
import java.util.Map;

/**
 * What actually loaded: goes to the start-up banner, run.json and benchmark records.
 *
 * @param helpers "oneDNN", "cuDNN" or "off"
 * @param gpus    the GPUs in use (CUDA build), else empty
 */
public record BackendInfo(String backend, String nativeVariant, String helpers, CpuInfo cpu, List<GpuDevice> gpus,
                          Map<String, Object> details) {
    /** What the nd4j-cuda-11.6 1.0.0-M2.1 -cudnn natives were built against. */
    public static final String CUDA_VERSION = "11.6", CUDNN_VERSION = "8.3";

    public String banner() {
        String base = String.format("Backend: %s | natives: %s | layer helpers: %s | CPU: %s, %d threads",
                backend, nativeVariant, helpers, cpu.model(), cpu.logicalCores());
        StringBuilder sb = new StringBuilder(base);
        for (GpuDevice gpu : gpus) sb.append("\n").append(gpu.describe()).append(" | CUDA ").append(CUDA_VERSION).append(", cuDNN ").append(CUDNN_VERSION);
        return sb.toString();
    }

    /** The first GPU in use, or null on CPU. */
    public GpuDevice gpu() {
        return gpus.isEmpty() ? null : gpus.get(0);
    }

    /** The workers to train with: {@code requested}, or for 0 one per GPU in use (one on CPU). */
    public int workersFor(int requested) {
        return requested > 0 ? requested : Math.max(1, gpus.size());
    }
}
