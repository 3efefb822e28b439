package dev.cifar10.bench;

import dev.cifar10.backend.BackendInfo;
import dev.cifar10.backend.CpuInfo;
import dev.cifar10.backend.LayerHelpers;
import dev.cifar10.config.RunConfig;
import dev.cifar10.data.CifarBatches;
import dev.cifar10.data.PreparedData;
import dev.cifar10.model.NotebookCnn;
import dev.cifar10.run.EpochStats;
import dev.cifar10.startup.Startup;
import dev.cifar10.startup.Startup.Started;
import dev.cifar10.train.EpochRunner;
import dev.cifar10.util.HostInfo;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times the notebook model: a warm-up, then N timed epochs (training, then validation), each
 * optionally capped at a fixed number of steps. Prints every epoch and the medians, and returns
 * the result record.
 */
public final class Benchmark {
    private final RunConfig config;
    private final Path cacheDir;
    private final PrintWriter console;

    public Benchmark(RunConfig config, Path cacheDir, PrintWriter console) {
        this.config = config;
        this.cacheDir = cacheDir;
        this.console = console;
    }

    /** Warm-up, then {@link StepBreakdown} over {@code steps} steps, printed; no record. */
    public void breakdown(int warmupSteps, int steps) {
        Started started = Startup.start(config, cacheDir, console);
        BackendInfo backend = started.backend();
        PreparedData data = started.data();
        MultiLayerNetwork net = NotebookCnn.build(config.modelSettings(backend.backend()));
        CifarBatches batches = data.trainBatches(config.batchSize(), config.seed(), config.nd4jDataType());
        new EpochRunner(net, batches, data.validationBatches(config.evalBatchSize(), config.nd4jDataType()), 1, "bench ", 1,
                config.averagingFrequency(), config.prefetch()).warmUp(warmupSteps);
        StepBreakdown breakdown = new StepBreakdown(net, batches, console);
        breakdown.run(Math.min(steps, 5)); // the per-layer path warms up its own caches first
        breakdown.print(breakdown.run(steps), config.batchSize(), (Integer) backend.details().get("ompThreads"), steps);
    }

    /**
     * @param warmupSteps   untimed training steps first
     * @param stepsPerEpoch cap on the timed steps per epoch (0 = whole epochs)
     */
    public BenchRecord run(int warmupSteps, int stepsPerEpoch, String label) {
        Started started = Startup.start(config, cacheDir, console);
        BackendInfo backend = started.backend();
        PreparedData data = started.data();

        MultiLayerNetwork net = NotebookCnn.build(config.modelSettings(backend.backend()));
        String attachedHelpers = LayerHelpers.describe(LayerHelpers.report(backend, net, console));
        CifarBatches trainBatches = data.trainBatches(config.batchSize(), config.seed(), config.nd4jDataType());
        CifarBatches timed = stepsPerEpoch > 0 ? trainBatches.capped(stepsPerEpoch) : trainBatches;
        MemoryProbe memory = new MemoryProbe(!backend.gpus().isEmpty());
        net.addListeners(memory);
        int workers = backend.workersFor(config.workers());
        EpochRunner runner = new EpochRunner(net, timed, data.validationBatches(config.evalBatchSize(), config.nd4jDataType()),
                config.epochs(), "bench ", workers, config.averagingFrequency(), config.prefetch());
        console.printf(Locale.ROOT, "Warm-up: %d steps, run as epochs with validation; then %d timed epochs of %d steps (batch %d, %d worker%s)%n",
                warmupSteps, config.epochs(), timed.batchesPerEpoch(), config.batchSize(), workers, workers == 1 ? "" : "s");
        runner.warmUp(warmupSteps);

        List<BenchRecord.Epoch> epochs = new ArrayList<>();
        for (int e = 1; e <= config.epochs(); e++) {
            EpochStats s = runner.run(e);
            epochs.add(new BenchRecord.Epoch(e, s.epochSeconds(), s.trainSeconds(), s.steps(), s.msPerStep(), s.imagesPerSecond(),
                    s.validationSeconds(), s.validationImagesPerSecond()));
            console.printf(Locale.ROOT, "Epoch %d/%d  %d/%d - %.1fs %.1fms/step - %.1f images/s train - %.1f images/s validation%n",
                    e, config.epochs(), s.steps(), s.steps(), s.epochSeconds(), s.msPerStep(), s.imagesPerSecond(),
                    s.validationImagesPerSecond());
        }
        BenchRecord record = record(backend, data, timed, warmupSteps, epochs, memory, label, workers, attachedHelpers);
        BenchRecord.Median m = record.median();
        console.printf(Locale.ROOT, "Median: %.1f s/epoch, %.1f ms/step, %.1f images/s train (%.1f to %.1f), %.1f images/s validation%n",
                m.epochSeconds(), m.msPerStep(), m.imagesPerSecond(), record.spread().imagesPerSecondMin(),
                record.spread().imagesPerSecondMax(), m.validationImagesPerSecond());
        BenchRecord.NotebookEpoch n = record.notebookEpoch();
        console.printf(Locale.ROOT, "Notebook epoch (%,d + %,d images): %.1f s as Keras counts it (training %.1f s + validation %.1f s); "
                + "the notebook says about 7 s%n", n.trainImages(), n.validationImages(), n.kerasEpochSeconds(), n.trainSeconds(), n.validationSeconds());
        console.printf(Locale.ROOT, "Peak memory: %s resident, %s Java heap, %s off-heap and native%n", mib(record.memory().peakRssBytes()),
                mib(record.memory().peakHeapBytes()), mib(record.memory().peakOffHeapBytes()));
        return record;
    }

    private BenchRecord record(BackendInfo backend, PreparedData data, CifarBatches timed, int warmupSteps,
                               List<BenchRecord.Epoch> epochs, MemoryProbe memory, String label, int workers,
                               String attachedHelpers) {
        CpuInfo cpu = backend.cpu();
        List<String> flags = cpu.flags().stream().filter(f -> f.startsWith("avx") || f.startsWith("amx") || f.equals("fma")).sorted().toList();
        Map<String, Object> settings = new LinkedHashMap<>(backend.details());
        settings.put("profile", config.profile());
        settings.put("learningRate", config.learningRate());
        settings.put("workers", workers);
        settings.put("attachedHelpers", attachedHelpers);
        settings.put("evalBatchSize", config.evalBatchSize());
        settings.put("layers", config.layers());
        settings.put("layout", config.layoutOn(backend.backend()).name());
        BenchRecord.Median median = BenchRecord.medianOf(epochs);
        return new BenchRecord(BenchRecord.SCHEMA, BenchRecord.SCHEMA_VERSION, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                label, new BenchRecord.Framework("deeplearning4j", HostInfo.dl4jVersion()),
                new BenchRecord.Project(HostInfo.projectVersion(), HostInfo.gitCommit()),
                new BenchRecord.Host(HostInfo.hostName(), HostInfo.osName(), cpu.model(), cpu.logicalCores(), HostInfo.totalMemoryBytes()),
                HostInfo.javaRuntime(),
                new BenchRecord.Backend(backend.backend(), backend.nativeVariant(), backend.helpers(),
                        (Integer) backend.details().get("ompThreads"), flags, settings, backend.fallback()),
                gpu(backend), config.dataType().equals("half") ? "float16" : "float32", config.batchSize(),
                new BenchRecord.Data(data.data().source(), data.split().train().length, data.split().validation().length),
                timed.size(), warmupSteps, epochs, median, BenchRecord.spreadOf(epochs), BenchRecord.NotebookEpoch.of(median),
                new BenchRecord.Memory(MemoryProbe.peakRssBytes(), MemoryProbe.peakHeapBytes(), memory.peakOffHeapBytes(), memory.peakGpuBytes()));
    }

    private static BenchRecord.Gpu gpu(BackendInfo backend) {
        var g = backend.gpu();
        return g == null ? null : new BenchRecord.Gpu(g.name() + (backend.gpus().size() > 1 ? " x" + backend.gpus().size() : ""),
                g.computeCapability(), g.memoryMiB() << 20, g.driverVersion(),
                backend.cudaVersions().get("cudaRuntime"), backend.cudaVersions().get("cudnn")); // read from the loaded libraries
    }

    static String mib(Long bytes) {
        return bytes == null ? "n/a" : String.format(Locale.ROOT, "%,d MiB", bytes >> 20);
    }
}
