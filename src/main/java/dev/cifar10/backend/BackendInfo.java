package dev.cifar10.backend;

import java.util.Map;

/** What actually loaded: goes to the start-up banner, run.json and benchmark records. */
public record BackendInfo(String backend, String nativeVariant, String helpers, CpuInfo cpu, Map<String, Object> details) {

    public String banner() {
        return String.format("Backend: %s | natives: %s | layer helpers: %s | CPU: %s, %d threads",
                backend, nativeVariant, helpers, cpu.model(), cpu.logicalCores());
    }
}
