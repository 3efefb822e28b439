package dev.cifar10.run;

import dev.cifar10.backend.BackendInfo;
import dev.cifar10.config.RunConfig;
import dev.cifar10.data.Standardisation;
import dev.cifar10.data.TrainValidationSplit;
import dev.cifar10.util.HostInfo;

import com.fasterxml.jackson.core.type.TypeReference;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The sections of run.json, shared by train and the Spark job. */
public final class RunInfo {
    private RunInfo() {
    }

    /** status, start time, settings, seed, software versions; the caller adds the rest. */
    public static Map<String, Object> start(RunConfig config, BackendInfo backend) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("status", "running");
        info.put("started", Instant.now().toString());
        info.put("config", config.asMap());
        info.put("seed", config.seed());
        info.put("software", HostInfo.software());
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("backend", backend.backend());
        b.put("nativeVariant", backend.nativeVariant());
        b.put("layerHelpers", backend.helpers());
        b.putAll(backend.details());
        info.put("backend", b);
        if (!backend.gpus().isEmpty()) {
            info.put("gpus", backend.gpus());
            info.put("cuda", Map.of("cuda", BackendInfo.CUDA_VERSION, "cudnn", BackendInfo.CUDNN_VERSION));
        }
        info.put("hardware", Map.of("cpuModel", backend.cpu().model(), "logicalCores", backend.cpu().logicalCores(),
                "memoryBytes", HostInfo.totalMemoryBytes(), "host", HostInfo.hostName()));
        return info;
    }

    /**
     * run.json of a run being resumed: read, marked running again with its (possibly longer) settings and
     * when and after which epoch it was resumed, written back.
     */
    public static Map<String, Object> resumed(RunDirectory run, RunConfig config, int afterEpoch, String nativeVariant) {
        Path file = run.resolve("run.json");
        Map<String, Object> info;
        try {
            info = RunDirectory.JSON.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {
            });
        } catch (IOException e) {
            throw new OutputException("Cannot read " + file + ": " + e.getMessage() + ". The run cannot be resumed; start a new one.");
        }
        info.put("status", "running");
        info.put("config", config.asMap());
        info.put("resumed", Instant.now() + " after epoch " + afterEpoch + " on " + nativeVariant);
        run.writeJson("run.json", info);
        return info;
    }

    /** Where the images came from, the split, and the channel statistics (evaluate standardises with these). */
    public static Map<String, Object> data(String source, long trainingRecords, TrainValidationSplit split, long testImages,
                                           Standardisation s) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("source", source);
        d.put("trainingRecords", trainingRecords);
        d.put("trainImages", split.train().length);
        d.put("validationImages", split.validation().length);
        d.put("testImages", testImages);
        d.put("channelMean", s.mean());
        d.put("channelStd", s.std());
        return d;
    }
}
