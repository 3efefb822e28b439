package dev.cifar10.run;

import dev.cifar10.backend.BackendInfo;
import dev.cifar10.config.RunConfig;
import dev.cifar10.data.Standardisation;
import dev.cifar10.data.TrainValidationSplit;
import dev.cifar10.util.HostInfo;

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
        b.put("build", backend.build());
        b.put("backend", backend.backend());
        b.put("fallback", backend.fallback());
        b.put("nativeVariant", backend.nativeVariant());
        b.put("layerHelpers", backend.helpers());
        b.putAll(backend.details());
        info.put("backend", b);
        if (!backend.gpus().isEmpty()) {
            info.put("gpus", backend.gpus());
            info.put("cuda", backend.cudaVersions()); // read from the loaded libraries
        }
        info.put("hardware", Map.of("cpuModel", backend.cpu().model(), "logicalCores", backend.cpu().logicalCores(),
                "memoryBytes", HostInfo.totalMemoryBytes(), "host", HostInfo.hostName()));
        return info;
    }

    /** Which helper each convolution and pooling layer carries, as read from the initialised network. */
    public static void attachedHelpers(Map<String, Object> info, org.deeplearning4j.nn.multilayer.MultiLayerNetwork net) {
        @SuppressWarnings("unchecked")
        Map<String, Object> b = (Map<String, Object>) info.get("backend");
        b.put("attachedHelpers", dev.cifar10.backend.LayerHelpers.attached(net));
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
