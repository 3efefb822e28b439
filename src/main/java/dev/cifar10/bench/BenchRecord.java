package dev.cifar10.bench;

import dev.cifar10.util.Stats;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.List;
import java.util.Map;

/**
 * One benchmark result: what ran, where, and how fast. Written as one JSON line per run
 * (JSON Lines) by {@code bench} and by the PyTorch reference; read by {@code report}.
 * The format is versioned: {@link #SCHEMA} and {@link #SCHEMA_VERSION}; documented in docs/benchmarks.md
 * ("The result record"). Readers ignore fields they do not know, so adding a field is compatible;
 * renaming or removing one bumps the version.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BenchRecord(
        String schema,
        int schemaVersion,
        String time,
        String label,
        Framework framework,
        Project project,
        Host host,
        String runtime,
        Backend backend,
        Gpu gpu,
        String dataType,
        int batchSize,
        Data data,
        int imagesPerEpoch,
        int warmupSteps,
        List<Epoch> epochs,
        Median median,
        Spread spread,
        NotebookEpoch notebookEpoch,
        Memory memory) {

    public static final String SCHEMA = "cifar10-dl4j/bench-record";
    public static final int SCHEMA_VERSION = 1;

    public record Framework(String name, String version) {
    }

    public record Project(String version, String commit) {
    }

    public record Host(String name, String os, String cpuModel, int logicalCores, long memoryBytes) {
    }

    /**
     * @param name     the backend that ran: "cpu" or "cuda"
     * @param cpuFlags the instruction-set extensions that chose the native build (null where not applicable)
     * @param fallback why the cuda build ran on the CPU, or null (added in version 1, optional)
     */
    public record Backend(String name, String nativeVariant, String layerHelpers, Integer threads, List<String> cpuFlags,
                          Map<String, Object> settings, String fallback) {
    }

    public record Gpu(String name, String computeCapability, Long memoryBytes, String driver, String cuda, String cudnn) {
    }

    public record Data(String source, int trainImages, int validationImages) {
    }

    public record Epoch(int epoch, double seconds, double trainSeconds, int steps, double msPerStep, double imagesPerSecond,
                        double validationSeconds, double validationImagesPerSecond) {
    }

    public record Median(double epochSeconds, double msPerStep, double imagesPerSecond, double validationImagesPerSecond) {
    }

    public record Spread(double imagesPerSecondMin, double imagesPerSecondMax) {
    }

    /**
     * The medians scaled to the notebook's epoch: Keras counts an epoch as training on 35,000 images plus
     * validating on 15,000, and the notebook's "about 7 s per epoch" is that sum. Null in older records.
     */
    public record NotebookEpoch(int trainImages, int validationImages, double trainSeconds, double validationSeconds,
                                double kerasEpochSeconds) {
        public static final int TRAIN_IMAGES = 35_000, VALIDATION_IMAGES = 15_000;

        public static NotebookEpoch of(Median m) {
            double train = TRAIN_IMAGES / m.imagesPerSecond(), validation = VALIDATION_IMAGES / m.validationImagesPerSecond();
            return new NotebookEpoch(TRAIN_IMAGES, VALIDATION_IMAGES, train, validation, train + validation);
        }
    }

    public record Memory(Long peakRssBytes, Long peakHeapBytes, Long peakOffHeapBytes, Long peakGpuBytes) {
    }

    /** Why a record cannot be used, or null when it can. */
    public String problem() {
        if (!SCHEMA.equals(schema)) return "not a " + SCHEMA + " record (schema: " + schema + ")";
        if (schemaVersion != SCHEMA_VERSION) return "schema version " + schemaVersion + ", this program reads " + SCHEMA_VERSION;
        if (median == null || framework == null || backend == null || host == null) return "median, framework, backend or host missing";
        if (!(median.imagesPerSecond() > 0) || !(median.epochSeconds() > 0)) return "median timings missing or not positive";
        return null;
    }

    public static Median medianOf(List<Epoch> epochs) {
        return new Median(Stats.median(epochs.stream().mapToDouble(Epoch::seconds).toArray()),
                Stats.median(epochs.stream().mapToDouble(Epoch::msPerStep).toArray()),
                Stats.median(epochs.stream().mapToDouble(Epoch::imagesPerSecond).toArray()),
                Stats.median(epochs.stream().mapToDouble(Epoch::validationImagesPerSecond).toArray()));
    }

    public static Spread spreadOf(List<Epoch> epochs) {
        return new Spread(epochs.stream().mapToDouble(Epoch::imagesPerSecond).min().orElse(Double.NaN),
                epochs.stream().mapToDouble(Epoch::imagesPerSecond).max().orElse(Double.NaN));
    }
}
