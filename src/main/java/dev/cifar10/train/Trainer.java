package dev.cifar10.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cifar10.backend.BackendChecks;
import dev.cifar10.backend.BackendInfo;
import dev.cifar10.config.ConfigException;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
            Map<String, Object> runInfo = runInfo(backend, data);
            run.writeJson("run.json", runInfo);
            MultiLayerNetwork net = NotebookCnn.build(config.modelSettings());
            return fitAndTest(run, runInfo, data, net, new History(), backend);
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    /**
     * Continues the run in {@code runDir} after its last checkpointed epoch, up to {@code config.epochs()}.
     * Everything is checked (the lock, the checkpoint, the workers, the data) before anything in the run is touched.
     *
     * @param allowInexact continue a run of several workers although the result cannot match an uninterrupted run
     */
    public History resume(Path runDir, boolean allowInexact) {
        RunDirectory run = RunDirectory.open(runDir);
        try (AutoCloseable lock = run.lock()) {
            run.removeTemporaryFiles(); // a killed write's leftovers: only now that the run is ours
            if (!Checkpoint.exists(run)) {
                throw new OutputException("Cannot resume " + runDir + ": no epoch was completed (no checkpoint.json). Start a new run.");
            }
            Checkpoint checkpoint = Checkpoint.read(run);
            BackendInfo backend = startBackend();
            int workers = backend.workersFor(config.workers());
            if (workers > 1 && !allowInexact) {
                throw new ConfigException("Cannot resume " + runDir + " exactly: it trains with " + workers + " workers (DL4J ParallelWrapper), "
                        + "which is not reproducible even without an interruption (two uninterrupted runs with --workers 2 already differ "
                        + "in their first epoch). Add --allow-inexact-resume to continue from epoch " + checkpoint.epoch()
                        + "'s checkpoint anyway, or start a new run; runs with one worker resume bit for bit.");
            }
            PreparedData data = loadData();
            @SuppressWarnings("unchecked")
            Map<String, Object> runInfo = RunDirectory.JSON.readValue(run.resolve("run.json").toFile(), LinkedHashMap.class);
            List<String> changes = dataChanges(runInfo.get("data"), dataInfo(data));
            if (!changes.isEmpty()) {
                throw new ConfigException("Cannot resume " + runDir + ": its data changed since the run started (" + String.join("; ", changes)
                        + "). Restore the data it was trained on (" + config.data() + "), or start a new run.");
            }
            MultiLayerNetwork net = checkpoint.restore(run);
            History history = new History(new ArrayList<>(checkpoint.history()));
            runInfo.put("status", "running");
            runInfo.remove("error");
            runInfo.remove("finished");
            runInfo.put("config", config.asMap());
            runInfo.put("resumed", Instant.now() + " after epoch " + checkpoint.epoch() + " on " + backend.nativeVariant());
            run.writeJson("run.json", runInfo);
            // history files and model.zip may lag the checkpoint after a kill between writes: bring them level with it
            saveHistory(run, history);
            if (!checkpoint.matchesModelZip(run)) {
                Path checkpointZip = run.resolve(checkpoint.modelFile());
                run.write("model.zip", out -> Files.copy(checkpointZip, out));
            }
            console.printf(Locale.ROOT, "Resuming %s after epoch %d of %d%s%n", run.path(), checkpoint.epoch(), config.epochs(),
                    workers > 1 ? " (inexactly: " + workers + " workers)" : "");
            return fitAndTest(run, runInfo, data, net, history, backend);
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    /** What differs between the data a run recorded and the data now loaded; empty when nothing does. */
    static List<String> dataChanges(Object recorded, Map<String, Object> now) {
        JsonNode before = RunDirectory.JSON.valueToTree(recorded), after = RunDirectory.JSON.valueToTree(now);
        List<String> changes = new ArrayList<>();
        for (Map.Entry<String, Object> e : now.entrySet()) {
            JsonNode was = before.get(e.getKey());
            if (was == null) continue; // recorded by an older version: nothing to compare
            JsonNode is = after.get(e.getKey());
            if (!was.toString().equals(is.toString())) changes.add(e.getKey() + " was " + was + ", now " + is);
        }
        return changes;
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
        try (StopSignals signals = StopSignals.install()) {
            return fitAndTestUntilStopped(run, runInfo, data, net, history, backend);
        } catch (RuntimeException e) {
            recordEnd(run, runInfo, e);
            throw e;
        }
    }

    private History fitAndTestUntilStopped(RunDirectory run, Map<String, Object> runInfo, PreparedData data, MultiLayerNetwork net,
                                           History history, BackendInfo backend) {
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
            StopSignals.check();
            // diverged weights never reach the checkpoint: a NaN step loss, or NaN outputs in validation, stop the epoch first
            EpochStats stats = epochs.run(epoch);
            history.add(stats);
            console.println(stats.kerasLine(epochs.totalEpochs()));
            saveEpoch(run, net, history);
        }
    }

    private static RuntimeException rethrow(Exception e) {
        return e instanceof RuntimeException r ? r : new OutputException("Cannot release the run lock: " + e);
    }

    /** run.json says how the run ended when it did not complete: interrupted (resume it), diverged, or failed. */
    private void recordEnd(RunDirectory run, Map<String, Object> runInfo, RuntimeException e) {
        String status = Failures.find(e, RunInterruptedException.class) != null ? "interrupted"
                : Failures.find(e, NonFiniteLossException.class) != null ? "diverged" : "failed";
        runInfo.put("status", status);
        runInfo.put("finished", Instant.now().toString());
        runInfo.put("error", String.valueOf(Failures.known(e).getMessage()));
        try {
            run.writeJson("run.json", runInfo);
        } catch (OutputException ignored) {
            // a full disk is the error being reported; the previous run.json stays whole
        }
        if (status.equals("interrupted")) {
            console.println("Interrupted; epochs completed so far are saved. Continue with: train --resume " + run.path());
        }
    }

    /** The checkpoint first: history and model.zip never run ahead of what a resume continues from. */
    private void saveEpoch(RunDirectory run, MultiLayerNetwork net, History history) {
        Path checkpointZip = Checkpoint.save(run, net, history);
        saveHistory(run, history);
        // model.zip is the same bytes: copy the file rather than serialise the network a second time
        run.write("model.zip", out -> Files.copy(checkpointZip, out));
    }

    private void saveHistory(RunDirectory run, History history) {
        run.writeText("history.csv", history.toCsv());
        run.writeJson("history.json", history.epochs());
        run.write("curves.png", out -> CurvesPlot.writePng(history, "CIFAR-10 dropout CNN (" + config.profile() + ")", out));
    }

    private Map<String, Object> runInfo(BackendInfo backend, PreparedData data) {
        Map<String, Object> info = RunInfo.start(config, backend);
        info.put("data", dataInfo(data));
        return info;
    }

    private static Map<String, Object> dataInfo(PreparedData data) {
        Map<String, Object> d = RunInfo.data(data.data().source(), data.data().train().size(), data.split(), data.data().test().size(),
                data.standardisation());
        d.put("recordsSha256", data.data().recordsSha256());
        return d;
    }
}
