package dev.cifar10.train;

import dev.cifar10.backend.BackendChecks;
import dev.cifar10.backend.BackendInfo;
import dev.cifar10.backend.LayerHelpers;
import dev.cifar10.config.RunConfig;
import dev.cifar10.data.CifarBatches;
import dev.cifar10.data.PreparedData;
import dev.cifar10.model.NotebookCnn;
import dev.cifar10.run.Checkpoint;
import dev.cifar10.run.CurvesPlot;
import dev.cifar10.run.EpochStats;
import dev.cifar10.run.EvaluationResult;
import dev.cifar10.run.History;
import dev.cifar10.run.OutputException;
import dev.cifar10.run.RunDirectory;
import dev.cifar10.run.RunInfo;
import dev.cifar10.run.TestReport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The notebook, as a Java program: load the data, standardise and split it, build the network,
 * fit it epoch by epoch with validation, evaluate on the test set, save everything.
 */
public final class Trainer {
    private final RunConfig config;
    private final Path cacheDir;
    private final PrintWriter console;

    public Trainer(RunConfig config, Path cacheDir, PrintWriter console) {
        this.config = config;
        this.cacheDir = cacheDir;
        this.console = console;
    }

    /** A new run into {@code outDir}. */
    public History train(Path outDir) {
        PreparedData data = loadData(); // first: a missing dataset should not wait for the native libraries to load
        BackendInfo backend = startBackend();
        RunDirectory run = RunDirectory.create(outDir);
        try (AutoCloseable lock = run.lock()) {
            MultiLayerNetwork net = NotebookCnn.build(config.modelSettings());
            Map<String, Object> runInfo = runInfo(backend, data);
            reportHelpers(runInfo, net, backend);
            run.writeJson("run.json", runInfo);
            return fitAndTest(run, runInfo, data, net, new History(), backend);
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    /** Continues the run in {@code runDir} after its last checkpointed epoch, up to {@code config.epochs()}. */
    public History resume(Path runDir) {
        RunDirectory run = RunDirectory.open(runDir);
        try (AutoCloseable lock = run.lock()) {
            if (!Checkpoint.exists(run)) {
                throw new OutputException("Cannot resume " + runDir + ": no epoch was completed (no checkpoint.json). Start a new run.");
            }
            BackendInfo backend = startBackend();
            PreparedData data = loadData();
            Checkpoint checkpoint = Checkpoint.read(run);
            MultiLayerNetwork net = checkpoint.restore(run);
            History history = new History(new java.util.ArrayList<>(checkpoint.history()));
            @SuppressWarnings("unchecked")
            Map<String, Object> runInfo = RunDirectory.JSON.readValue(run.resolve("run.json").toFile(), LinkedHashMap.class);
            runInfo.put("status", "running");
            runInfo.put("config", config.asMap());
            runInfo.put("resumed", Instant.now() + " after epoch " + checkpoint.epoch() + " on " + backend.backend() + " " + backend.nativeVariant()
                    + (backend.fallback() != null ? " (fell back: " + backend.fallback() + ")" : ""));
            reportHelpers(runInfo, net, backend);
            run.writeJson("run.json", runInfo);
            console.printf(Locale.ROOT, "Resuming %s after epoch %d of %d%n", run.path(), checkpoint.epoch(), config.epochs());
            return fitAndTest(run, runInfo, data, net, history, backend);
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    /** Prints and records the helper each convolution and pooling layer actually carries. */
    private void reportHelpers(Map<String, Object> runInfo, MultiLayerNetwork net, BackendInfo backend) {
        console.println("Layer helpers attached: " + LayerHelpers.describe(net));
        String warning = LayerHelpers.warning(backend, net);
        if (warning != null) console.println(warning);
        RunInfo.attachedHelpers(runInfo, net);
    }

    private BackendInfo startBackend() {
        BackendInfo backend = BackendChecks.start(config);
        console.println(backend.banner());
        return backend;
    }

    private PreparedData loadData() {
        PreparedData data = PreparedData.load(config, cacheDir);
        console.println("Data: " + data.summary());
        return data;
    }

    private History fitAndTest(RunDirectory run, Map<String, Object> runInfo, PreparedData data, MultiLayerNetwork net, History history,
                               BackendInfo backend) {
        // DL4J writes a memory report when it runs out of memory: keep it with the run, not in the working directory
        org.deeplearning4j.util.CrashReportingUtil.crashDumpOutputDirectory(run.path().toFile());
        CifarBatches trainBatches = data.trainBatches(config.batchSize(), config.seed(), config.nd4jDataType());
        console.printf(Locale.ROOT, "Model: %,d parameters; %d epochs of %,d steps (batch %d); output in %s%n",
                net.numParams(), config.epochs(), trainBatches.batchesPerEpoch(), config.batchSize(), run.path());
        int workers = backend.workersFor(config.workers());
        EpochRunner epochs = new EpochRunner(net, trainBatches, data.validationBatches(config.evalBatchSize(), config.nd4jDataType()),
                config.epochs(), "", workers, config.averagingFrequency(), config.prefetch());
        if (workers > 1) {
            console.printf(Locale.ROOT, "Workers: %d (DL4J ParallelWrapper, parameters averaged every %d steps, prefetch %d)%n",
                    workers, config.averagingFrequency(), config.prefetch());
        }
        fit(epochs, net, run, history);

        EvaluationResult test = Evaluator.evaluate(net, data.testBatches(config.evalBatchSize(), config.nd4jDataType()));
        run.writeJson("test.json", TestReport.of(test));
        TestReport.print(test, console);

        runInfo.put("status", "completed");
        runInfo.put("finished", Instant.now().toString());
        runInfo.put("test", Map.of("loss", test.loss(), "accuracy", test.accuracy()));
        run.writeJson("run.json", runInfo);
        console.println("Saved: run.json history.csv history.json curves.png model.zip test.json in " + run.path());
        return history;
    }

    /** Keras's {@code fit(..., validation_data=...)} from the epoch after {@code history}'s last; files and checkpoint after every epoch. */
    void fit(EpochRunner epochs, MultiLayerNetwork net, RunDirectory run, History history) {
        for (int epoch = history.epochs().size() + 1; epoch <= epochs.totalEpochs(); epoch++) {
            EpochStats stats = epochs.run(epoch);
            history.add(stats);
            console.println(stats.kerasLine(epochs.totalEpochs()));
            saveEpoch(run, net, history);
        }
    }

    private static RuntimeException rethrow(Exception e) {
        return e instanceof RuntimeException r ? r : new OutputException("Cannot release the run lock: " + e);
    }

    private void saveEpoch(RunDirectory run, MultiLayerNetwork net, History history) {
        run.writeText("history.csv", history.toCsv());
        run.writeJson("history.json", history.epochs());
        run.write("curves.png", out -> CurvesPlot.writePng(history, "CIFAR-10 dropout CNN (" + config.profile() + ")", out));
        java.nio.file.Path checkpointZip = Checkpoint.save(run, net, history);
        // model.zip is the same bytes: copy the file rather than serialise the network a second time
        run.write("model.zip", out -> java.nio.file.Files.copy(checkpointZip, out));
    }

    private Map<String, Object> runInfo(BackendInfo backend, PreparedData data) {
        Map<String, Object> info = RunInfo.start(config, backend);
        info.put("data", RunInfo.data(data.data().source(), data.data().train().size(), data.split(), data.data().test().size(),
                data.standardisation()));
        return info;
    }

}
