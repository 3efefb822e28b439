package dev.cifar10.train;

import dev.cifar10.backend.BackendInfo;
import dev.cifar10.backend.LayerHelpers;
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
import dev.cifar10.startup.Startup;
import dev.cifar10.startup.Startup.Started;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.CrashReportingUtil;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Map;

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
            MultiLayerNetwork net = NotebookCnn.build(config.modelSettings());
            RunRecord record = RunRecord.start(config, started.backend(), RunRecord.Data.of(data.data().source(),
                    data.data().train().size(), data.split(), data.data().test().size(), data.standardisation()))
                    .withAttachedHelpers(reportHelpers(net, started.backend()));
            record.write(run);
            return fitAndTest(run, record, started, net, new History());
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    /** Continues the run in {@code runDir} after its last checkpointed epoch, up to {@code config.epochs()}. */
    public History resume(Path runDir) {
        Started started = Startup.start(config, cacheDir, console);
        RunDirectory run = RunDirectory.open(runDir);
        try (AutoCloseable lock = run.lock()) {
            Checkpoint checkpoint = Checkpoint.require(run);
            MultiLayerNetwork net = checkpoint.restore(run);
            History history = new History(new ArrayList<>(checkpoint.history()));
            RunRecord record = RunRecord.read(runDir).resumed(config, checkpoint.epoch(), started.backend())
                    .withAttachedHelpers(reportHelpers(net, started.backend()));
            record.write(run);
            console.printf(Locale.ROOT, "Resuming %s after epoch %d of %d%n", run.path(), checkpoint.epoch(), config.epochs());
            return fitAndTest(run, record, started, net, history);
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    /** Prints the helper each convolution and pooling layer actually carries (and a warning if some lack one); returns them for run.json. */
    private Map<String, Map<String, Integer>> reportHelpers(MultiLayerNetwork net, BackendInfo backend) {
        console.println("Layer helpers attached: " + LayerHelpers.describe(net));
        String warning = LayerHelpers.warning(backend, net);
        if (warning != null) console.println(warning);
        return LayerHelpers.attached(net);
    }

    private History fitAndTest(RunDirectory run, RunRecord record, Started started, MultiLayerNetwork net, History history) {
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
}
