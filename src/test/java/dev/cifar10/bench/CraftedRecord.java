package dev.cifar10.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A benchmark record with known figures, for report tests: one timed epoch, so the record's median images/s is
 * exactly {@link #imagesPerSecond}. Defaults: DL4J on a 2-thread CPU, float32, batch 32, 1,000 warm-up steps, the
 * OpenMP settings cifar10-dl4j applies.
 */
final class CraftedRecord {
    String framework = "deeplearning4j", version = "1.0.0-M2.1", backend = "cpu", natives = "linux-x86_64-onednn-avx512", helpers = "oneDNN";
    String host = "ci-runner", cpu = "AMD EPYC 9V74", os = "Linux 6.1.0-18-cloud-amd64 amd64", gpu = null, runtime = "OpenJDK 17";
    String label = "", dataType = "float32", commit = "abc1234";
    Integer threads = 2;
    int logicalCores = 4, batchSize = 32, warmupSteps = 1000;
    double imagesPerSecond = 1000, validationImagesPerSecond = 2000;
    Map<String, Object> settings = new LinkedHashMap<>(Map.of("openMp", Map.of("OMP_PROC_BIND", "true", "GOMP_SPINCOUNT", "1000"),
            "workers", 1, "evalBatchSize", 256, "learningRate", 1e-4));

    static CraftedRecord dl4j(double imagesPerSecond) {
        CraftedRecord r = new CraftedRecord();
        r.imagesPerSecond = imagesPerSecond;
        return r;
    }

    /** The PyTorch reference as it writes records: its own settings keys, OpenMP left at its defaults. */
    static CraftedRecord pytorch(double imagesPerSecond) {
        CraftedRecord r = dl4j(imagesPerSecond);
        r.framework = "pytorch";
        r.version = "2.1.0";
        r.natives = "torch 2.1.0, BLAS via libopenblasp-r0.3.21.so";
        r.helpers = "mkldnn";
        r.runtime = "Python 3.11.2";
        r.os = "Linux 6.1.0-18-cloud-amd64 x86_64"; // Python's platform.machine(), where Java says amd64
        r.settings = new LinkedHashMap<>(Map.of("device", "cpu", "amp", "none", "channelsLast", false, "evalBatchSize", 256,
                "threadsRequested", 2, "openMp", Map.of()));
        return r;
    }

    CraftedRecord label(String label) {
        this.label = label;
        return this;
    }

    CraftedRecord host(String host) {
        this.host = host;
        return this;
    }

    CraftedRecord openMp(Map<String, String> variables) {
        settings.put("openMp", variables);
        return this;
    }

    CraftedRecord setting(String key, Object value) {
        if (value == null) settings.remove(key);
        else settings.put(key, value);
        return this;
    }

    CraftedRecord threads(Integer threads) {
        this.threads = threads;
        return this;
    }

    CraftedRecord gpu(String name) {
        this.gpu = name;
        this.backend = "cuda";
        this.natives = "linux-x86_64-cuda-11.6";
        this.helpers = "cuDNN";
        return this;
    }

    CraftedRecord commit(String commit) {
        this.commit = commit;
        return this;
    }

    BenchRecord build() {
        double trainSeconds = 3200 / imagesPerSecond, validationSeconds = 1372 / validationImagesPerSecond;
        List<BenchRecord.Epoch> epochs = List.of(new BenchRecord.Epoch(1, trainSeconds + validationSeconds, trainSeconds, 100,
                1000 * trainSeconds / 100, imagesPerSecond, validationSeconds, validationImagesPerSecond));
        BenchRecord.Median median = BenchRecord.medianOf(epochs);
        return new BenchRecord(BenchRecord.SCHEMA, BenchRecord.SCHEMA_VERSION, "2026-11-27T21:00:00Z", label,
                new BenchRecord.Framework(framework, version), new BenchRecord.Project("0.1.0", commit),
                new BenchRecord.Host(host, os, cpu, logicalCores, 32L << 30), runtime,
                new BenchRecord.Backend(backend, natives, helpers, threads, null, settings, null),
                gpu == null ? null : new BenchRecord.Gpu(gpu, "8.6", 16L << 30, "535.104.05", "11.6", "8.3"),
                dataType, batchSize, new BenchRecord.Data("synthetic (seed 777)", 3200, 1372), 3200, warmupSteps, epochs,
                median, BenchRecord.spreadOf(epochs), BenchRecord.NotebookEpoch.of(median), new BenchRecord.Memory(600L << 20, null, null, null));
    }
}
