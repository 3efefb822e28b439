package dev.cifar10.spark;

import dev.cifar10.backend.BackendInfo;
import dev.cifar10.cli.Main;
import dev.cifar10.cli.RunSettingsOptions;
import dev.cifar10.config.ConfigException;
import dev.cifar10.config.RunConfig;
import dev.cifar10.model.NotebookCnn;
import dev.cifar10.run.Checkpoint;
import dev.cifar10.run.EvaluationResult;
import dev.cifar10.run.History;
import dev.cifar10.run.RunDirectory;
import dev.cifar10.run.RunFiles;
import dev.cifar10.run.RunRecord;
import dev.cifar10.startup.Startup;
import dev.cifar10.train.EpochLoop;
import dev.cifar10.train.Trainer;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.util.ExportSupport;
import org.deeplearning4j.util.CrashReportingUtil;
import org.nd4j.evaluation.classification.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The notebook's training on an Apache Spark cluster, with DL4J's parameter averaging: the
 * executors train replicas on their partitions, the driver averages them. Spark's part is the data
 * ({@link SparkData}) and the training master ({@link SparkEpochs}); everything else is
 * {@code train}'s: the settings, the backend start (on the driver and, through {@link ExecutorBackend},
 * on every executor), the epoch loop, the run directory with its checkpoints (written on the driver),
 * {@code --resume}, and the exit codes.
 *
 * <pre>
 * spark-submit --class dev.cifar10.spark.SparkTrainJob --master spark://host:7077 \
 *   --jars "$(ls target/lib/*.jar | paste -sd,)" target/cifar10-dl4j.jar \
 *   --data hdfs:///datasets/cifar-10-batches-bin --out runs/spark-notebook
 * </pre>
 */
@Command(name = "spark-train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains the notebook's CNN on Apache Spark (parameter averaging); writes a run directory on the driver.",
                "Takes train's settings, except --workers, --averaging-frequency and --prefetch (train's ParallelWrapper)."})
public final class SparkTrainJob implements Callable<Integer> {
    /** train's flags for its ParallelWrapper on one machine; Spark's parallelism is its executors. */
    static final List<String> NOT_FOR_SPARK = List.of("--workers", "--averaging-frequency", "--prefetch");
    static final int DEFAULT_AVERAGING_STEPS = 5;

    @Spec
    CommandSpec spec;

    @Mixin
    RunSettingsOptions settings;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory on the driver (default: runs/<timestamp>-<profile>-spark).")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the Spark run in DIR after its last completed epoch, "
            + "with its own settings (only --epochs may change, to train longer).")
    Path resume;

    @Option(names = "--averaging-steps", paramLabel = "STEPS",
            description = "Steps each executor trains between two parameter averagings (default: " + DEFAULT_AVERAGING_STEPS + ").")
    Integer averagingSteps;

    @Option(names = "--master", description = "Spark master when not run by spark-submit, e.g. local[2].")
    String master;

    private PrintWriter console;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the job with train's exit codes and error messages (Main's), on the given streams. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return Main.execute(new SparkTrainJob(), out, err, args);
    }

    @Override
    public Integer call() throws Exception {
        console = spec.commandLine().getOut();
        refuseFlagsItDoesNotHonour();
        if (resume != null) {
            if (out != null) throw new ConfigException("--resume writes into the run it continues; leave out --out.");
            RunRecord recorded = RunRecord.read(resume);
            RunConfig config = settings.resolveForResume(recorded.config());
            int steps = recordedAveragingSteps(resume, recorded);
            RunDirectory run = RunDirectory.open(resume);
            try (AutoCloseable lock = run.lock()) {
                run.removeTemporaryFiles(); // a killed write's leftovers: only now that this process holds the run's lock (open no longer removes them)
                Checkpoint checkpoint = Checkpoint.require(run);
                withSpark(config, (sc, backend, data) -> {
                    MultiLayerNetwork net = checkpoint.restore(run, config.modelSettings(backend.backend()));
                    History history = new History(new ArrayList<>(checkpoint.history()));
                    RunRecord record = recorded.resumed(config, checkpoint.epoch(), backend);
                    record.write(run);
                    console.printf(Locale.ROOT, "Resuming %s after epoch %d of %d%n", run.path(), checkpoint.epoch(), config.epochs());
                    fitAndTest(sc, config, steps, data, run, record, net, history);
                });
            }
        } else {
            RunConfig config = settings.resolve();
            int steps = averagingSteps != null ? averagingSteps : DEFAULT_AVERAGING_STEPS;
            if (steps < 1) throw new ConfigException("--averaging-steps must be 1 or more, not " + steps + ".");
            withSpark(config, (sc, backend, data) -> {
                RunDirectory run = RunDirectory.create(out != null ? out : RunDirectory.defaultPath(config, "-spark"));
                try (AutoCloseable lock = run.lock()) {
                    RunRecord record = RunRecord.start(config, backend, RunRecord.Data.of(data.source, data.trainingRecords, data.split,
                            data.testRecords, data.standardisation)).withSpark(sparkRecord(sc, steps));
                    record.write(run);
                    fitAndTest(sc, config, steps, data, run, record, NotebookCnn.build(config.modelSettings(backend.backend())), new History());
                }
            });
        }
        return 0;
    }

    private interface SparkWork {
        void run(JavaSparkContext sc, BackendInfo backend, SparkData data) throws Exception;
    }

    /** The backend (on the driver, then on each executor as it starts), the Spark context, the data; then {@code work}. */
    private void withSpark(RunConfig config, SparkWork work) throws Exception {
        if (config.workers() > 1) {
            throw new ConfigException("workers=" + config.workers() + " (from " + config.profile() + ") is for train's ParallelWrapper on one "
                    + "machine; the Spark job trains one replica per executor task. Use a profile with workers=0 or 1.");
        }
        if (config.data().equals("download") || config.data().equals("synthetic")) {
            throw new ConfigException("The Spark job reads CIFAR-10 binary files from a path Spark can read (file:, hdfs:, s3a:); "
                    + "pass --data with the directory holding data_batch_*.bin and test_batch.bin.");
        }
        BackendInfo backend = Startup.backend(config, console);
        SparkConf conf = new SparkConf().setAppName("cifar10-dl4j notebook CNN");
        if (master != null) conf.setMaster(master);
        ExecutorBackend.configure(conf, Startup.backendOptions(config));
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            SparkData data = SparkData.load(sc, config);
            console.println("Data: " + data.summary());
            work.run(sc, backend, data);
        }
    }

    private void fitAndTest(JavaSparkContext sc, RunConfig config, int steps, SparkData data, RunDirectory run,
                            RunRecord record, MultiLayerNetwork net, History history) {
        // DL4J writes a memory report when the driver runs out of memory: keep it with the run
        CrashReportingUtil.crashDumpOutputDirectory(run.path().toFile());
        CollectionAccumulator<RunRecord.Executor> reports = sc.sc().collectionAccumulator("cifar10 executor reports");
        ExecutorChecks checks = new ExecutorChecks(reports);
        // DL4J's default exports each epoch's batches to the default file system for the executors to read; a cluster
        // whose default file system is the local one (no HDFS) cannot share them: it gets the batches directly instead.
        RDDTrainingApproach approach = ExportSupport.exportSupported(sc) ? RDDTrainingApproach.Export : RDDTrainingApproach.Direct;
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(config.batchSize())
                .batchSizePerWorker(config.batchSize()).averagingFrequency(steps).workerPrefetchNumBatches(2)
                .rddTrainingApproach(approach).storageLevel(SparkEpochs.BATCHES_STORAGE)
                .rngSeed(config.seed()).saveUpdater(true).build();
        master.addHook(checks);
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, net, master);
        console.printf(Locale.ROOT, "Model: %,d parameters; %d epochs of %,d steps (batch %d), parameters averaged every %d steps, "
                        + "batches sent to the executors by %s; output in %s%n",
                net.numParams(), config.epochs(), data.batchesPerEpoch(), config.batchSize(), steps,
                approach == RDDTrainingApproach.Export ? "export" : "Spark directly", run.path());
        SparkEpochs epochs = new SparkEpochs(sparkNet, data, config, checks, reports, console);
        EpochLoop.fit(epochs, run, history, Trainer.curvesTitle(config) + " on Spark", console);

        Evaluation testEval = sparkNet.evaluate(data.testBatches);
        double testLoss = sparkNet.calculateScore(data.testBatches, true);
        RunRecord trained = record.withSpark(record.spark().withApproach(approach.name()).withExecutors(epochs.executors()));
        RunFiles.finish(run, trained, new EvaluationResult(testLoss, testEval.accuracy(), testEval), console);
    }

    /** Refuses train's flags that the job would otherwise accept and ignore. */
    private void refuseFlagsItDoesNotHonour() {
        List<String> given = NOT_FOR_SPARK.stream().filter(f -> spec.commandLine().getParseResult().hasMatchedOption(f)).toList();
        if (!given.isEmpty()) {
            throw new ConfigException("The Spark job does not take " + String.join(", ", given) + ": they set train's ParallelWrapper on one "
                    + "machine. On Spark, the executors train in parallel (spark.executor.instances, spark.executor.cores) and "
                    + "--averaging-steps sets how often their parameters are averaged.");
        }
    }

    private RunRecord.Spark sparkRecord(JavaSparkContext sc, int steps) {
        return new RunRecord.Spark(sc.version(), sc.master(), sc.defaultParallelism(), steps, "ParameterAveragingTrainingMaster", null, null);
    }

    /** The averaging period a Spark run recorded; refuses a run of train and a different --averaging-steps. */
    private int recordedAveragingSteps(Path runDir, RunRecord recorded) {
        if (recorded.spark() == null) {
            throw new ConfigException(runDir + " is a run of train, not of the Spark job: resume it with train --resume.");
        }
        int steps = recorded.spark().averagingSteps();
        if (averagingSteps != null && averagingSteps != steps) {
            throw new ConfigException("--resume continues a run with its own settings: it averaged every " + steps
                    + " steps; remove --averaging-steps.");
        }
        return steps;
    }
}
