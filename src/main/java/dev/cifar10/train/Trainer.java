package dev.cifar10.train;

import dev.cifar10.backend.BackendInfo;
import dev.cifar10.backend.LayerHelpers;
import dev.cifar10.config.ConfigException;
import dev.cifar10.config.RunConfig;
import dev.cifar10.data.CifarBatches;
import dev.cifar10.data.PreparedData;
import dev.cifar10.model.NotebookCnn;
import dev.cifar10.run.Checkpoint;
import dev.cifar10.run.EvaluationResult;
import dev.cifar10.run.History;
import dev.cifar10.run.OutputException;
import dev.cifar10.run.RunDirectory;
import dev.cifar10.run.RunFiles;
import dev.cifar10.run.RunRecord;
import dev.cifar10.run.RunRecord.Status;
import dev.cifar10.startup.Startup;
import dev.cifar10.startup.Startup.Started;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.CrashReportingUtil;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The notebook, as a Java program: start the backend, load the data, standardise and split it
 * ({@link Startup}), build the network, fit it epoch by epoch with validation, evaluate on the
 * test set, save everything in the run directory.
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
        Started started = Startup.start(config, cacheDir, console);
        PreparedData data = started.data();
        RunDirectory run = RunDirectory.create(outDir);
        try (AutoCloseable lock = run.lock()) {
            MultiLayerNetwork net = NotebookCnn.build(config.modelSettings(started.backend().backend()));
            RunRecord record = RunRecord.start(config, started.backend(), dataRecord(data))
                    .withAttachedHelpers(LayerHelpers.report(started.backend(), net, console));
            record.write(run);
            return fitAndTest(run, record, started, net, new History());
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
            run.removeTemporaryFiles(); // a killed write's leftovers: only now that this process holds the run's lock
            Checkpoint checkpoint = Checkpoint.require(run);
            Started started = Startup.start(config, cacheDir, console);
            int workers = started.backend().workersFor(config.workers());
            if (workers > 1 && !allowInexact) {
                throw new ConfigException("Cannot resume " + runDir + " exactly: it trains with " + workers + " workers (DL4J ParallelWrapper), "
                        + "which is not reproducible even without an interruption (two uninterrupted runs with --workers 2 already differ "
                        + "in their first epoch). Add --allow-inexact-resume to continue from epoch " + checkpoint.epoch()
                        + "'s checkpoint anyway, or start a new run; runs with one worker resume bit for bit.");
            }
            RunRecord recorded = RunRecord.read(runDir);
            List<String> changes = recorded.data().changesTo(dataRecord(started.data()));
            if (!changes.isEmpty()) {
                throw new ConfigException("Cannot resume " + runDir + ": its data changed since the run started (" + String.join("; ", changes)
                        + "). Restore the data it was trained on (" + config.data() + "), or start a new run.");
            }
            MultiLayerNetwork net = checkpoint.restore(run, config.modelSettings(started.backend().backend()));
            History history = new History(new ArrayList<>(checkpoint.history()));
            RunRecord record = recorded.resumed(config, checkpoint.epoch(), started.backend())
                    .withAttachedHelpers(LayerHelpers.report(started.backend(), net, console));
            record.write(run);
            RunFiles.levelWith(run, checkpoint, history, curvesTitle(config));
            console.printf(Locale.ROOT, "Resuming %s after epoch %d of %d%s%n", run.path(), checkpoint.epoch(), config.epochs(),
                    workers > 1 ? " (inexactly: " + workers + " workers)" : "");
            return fitAndTest(run, record, started, net, history);
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    /** The data section of run.json, with the fingerprint of every record that resume checks. */
    private static RunRecord.Data dataRecord(PreparedData data) {
        return RunRecord.Data.of(data.data().source(), data.data().train().size(), data.split(), data.data().test().size(),
                data.standardisation()).withRecordsSha256(data.data().recordsSha256());
    }

    /** Training and test, with Ctrl-C and SIGTERM turned into a clean stop; run.json says how a run that did not complete ended. */
    private History fitAndTest(RunDirectory run, RunRecord record, Started started, MultiLayerNetwork net, History history) {
        try (StopSignals signals = StopSignals.install()) {
            return fitAndTestUntilStopped(run, record, started, net, history);
        } catch (RuntimeException e) {
            recordEnd(run, record, e);
            throw e;
        }
    }

    private History fitAndTestUntilStopped(RunDirectory run, RunRecord record, Started started, MultiLayerNetwork net, History history) {
        // DL4J writes a memory report when it runs out of memory: keep it with the run, not in the working directory
        CrashReportingUtil.crashDumpOutputDirectory(run.path().toFile());
        PreparedData data = started.data();
        CifarBatches trainBatches = data.trainBatches(config.batchSize(), config.seed(), config.nd4jDataType());
        console.printf(Locale.ROOT, "Model: %,d parameters; %d epochs of %,d steps (batch %d); output in %s%n",
                net.numParams(), config.epochs(), trainBatches.batchesPerEpoch(), config.batchSize(), run.path());
        int workers = started.backend().workersFor(config.workers());
        EpochRunner epochs = new EpochRunner(net, trainBatches, data.validationBatches(config.evalBatchSize(), config.nd4jDataType()),
                config.epochs(), "", workers, config.averagingFrequency(), config.prefetch());
        if (workers > 1) {
            console.printf(Locale.ROOT, "Workers: %d (DL4J ParallelWrapper, parameters averaged every %d steps, prefetch %d)%n",
                    workers, config.averagingFrequency(), config.prefetch());
        }
        EpochLoop.fit(epochs, run, history, curvesTitle(config), console);

        EvaluationResult test = Evaluator.evaluate(net, data.testBatches(config.evalBatchSize(), config.nd4jDataType()));
        RunFiles.finish(run, record, test, console);
        return history;
    }

    /** The title of curves.png: the notebook's model and the profile it ran with. */
    public static String curvesTitle(RunConfig config) {
        return "CIFAR-10 dropout CNN (" + config.profile() + ")";
    }

    private static RuntimeException rethrow(Exception e) {
        return e instanceof RuntimeException r ? r : new OutputException("Cannot release the run lock: " + e);
    }

    private void recordEnd(RunDirectory run, RunRecord record, RuntimeException e) {
        Status status = Failures.find(e, RunInterruptedException.class) != null ? Status.INTERRUPTED
                : Failures.find(e, NonFiniteLossException.class) != null ? Status.DIVERGED : Status.FAILED;
        try {
            record.ended(status, String.valueOf(Failures.known(e).getMessage())).write(run);
        } catch (OutputException ignored) {
            // a full disk is the error being reported; the previous run.json stays whole
        }
        if (status == Status.INTERRUPTED) {
            console.println("Interrupted; epochs completed so far are saved. Continue with: train --resume " + run.path());
        }
    }
}
