package dev.cifar10.backend;

import java.util.List;
import java.util.Map;

/**
 * What actually loaded: goes to the start-up banner, run.json and benchmark records.
 *
 * @param build        which build this is: "cpu", or "cuda" (which carries the CPU backend too)
 * @param backend      the backend that runs: "cpu" or "cuda"
 * @param helpers      "oneDNN", "cuDNN" or "off"
 * @param gpus         the GPUs in use (CUDA), else empty
 * @param fallback     why the cuda build runs on the CPU, or null
 * @param cudaVersions versions read from the loaded CUDA libraries (cudaRuntime, cudaDriver, cudnn), else empty
 */
public record BackendInfo(String build, String backend, String nativeVariant, String helpers, CpuInfo cpu, List<GpuDevice> gpus,
                          String fallback, Map<String, String> cudaVersions, Map<String, Object> details) {

    /** One line per fact; the first says when the cuda build fell back to the CPU, and why. */
    public String banner() {
        StringBuilder sb = new StringBuilder();
        if (fallback != null) {
            sb.append("Fell back to the CPU: ").append(fallback)
                    .append(" (--backend cpu skips the GPU check; --backend cuda or --device N would stop here with exit 5)\n");
        }
        sb.append(String.format("Backend: %s | natives: %s | layer helpers: %s | CPU: %s, %d threads",
                backend, nativeVariant, helpers, cpu.model(), cpu.logicalCores()));
        for (GpuDevice gpu : gpus) {
            sb.append("\n").append(gpu.describe()).append(" | CUDA runtime ").append(cudaVersions.getOrDefault("cudaRuntime", "?"))
                    .append(", cuDNN ").append(cudaVersions.getOrDefault("cudnn", "?"));
        }
        return sb.toString();
    }

    /** The same, with one more fact in {@link #details} (which run.json and the bench record keep). */
    public BackendInfo withDetail(String key, Object value) {
        Map<String, Object> more = new java.util.LinkedHashMap<>(details);
        more.put(key, value);
        return new BackendInfo(build, backend, nativeVariant, helpers, cpu, gpus, fallback, cudaVersions, more);
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
