package dev.cifar10.spark;

import dev.cifar10.backend.BackendException;
import dev.cifar10.backend.LayerHelpers;
import dev.cifar10.config.RunConfig;
import dev.cifar10.run.EpochStats;
import dev.cifar10.run.RunRecord;
import dev.cifar10.train.NonFiniteLossException;
import dev.cifar10.train.TrainingEpochs;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The epochs of the Spark job: DL4J's parameter averaging over the executors, then evaluation of the
 * averaged network; the same {@link EpochStats} as {@code train}'s epochs, for the same loop and files.
 * The training loss is the training master's score averaged over the executors' last steps; the
 * accuracies come from evaluating the averaged network after the epoch.
 */
final class SparkEpochs implements TrainingEpochs {
    /** How each epoch's batches are kept between training and evaluation: the level the training master persists them at. */
    static final StorageLevel BATCHES_STORAGE = StorageLevel.MEMORY_ONLY_SER();

    private final SparkDl4jMultiLayer sparkNet;
    private final SparkData data;
    private final RunConfig config;
    private final ExecutorChecks checks;
    private final CollectionAccumulator<RunRecord.Executor> reports;
    private final Map<String, RunRecord.Executor> executors = new LinkedHashMap<>();
    private final PrintWriter console;

    SparkEpochs(SparkDl4jMultiLayer sparkNet, SparkData data, RunConfig config, ExecutorChecks checks,
                CollectionAccumulator<RunRecord.Executor> reports, PrintWriter console) {
        this.sparkNet = sparkNet;
        this.data = data;
        this.config = config;
        this.checks = checks;
        this.reports = reports;
        this.console = console;
    }

    @Override
    public EpochStats run(int epoch) {
        JavaRDD<DataSet> batches = data.trainBatches(epoch).persist(BATCHES_STORAGE);
        checks.startEpoch(epoch);
        long start = System.nanoTime();
        sparkNet.fit(batches);
        double trainSeconds = (System.nanoTime() - start) / 1e9;
        double loss = sparkNet.getScore();
        // the executors stop at a non-finite step; this catches what only the average shows
        if (!Double.isFinite(loss) || !finite(sparkNet.getNetwork())) {
            throw new NonFiniteLossException(loss, "in epoch " + epoch + " (the parameters averaged over the executors)");
        }
        checkExecutors();
        Evaluation trainEval = sparkNet.evaluate(batches);
        batches.unpersist();
        long validationStart = System.nanoTime();
        Evaluation validation = sparkNet.evaluate(data.validationBatches);
        double validationLoss = sparkNet.calculateScore(data.validationBatches, true);
        double validationSeconds = (System.nanoTime() - validationStart) / 1e9;
        int steps = data.batchesPerEpoch();
        int trainImages = data.split.train().length;
        return new EpochStats(epoch, loss, trainEval.accuracy(), validationLoss, validation.accuracy(),
                (System.nanoTime() - start) / 1e9, trainSeconds, steps, 1000 * trainSeconds / steps,
                trainImages / trainSeconds, validationSeconds, data.split.validation().length / validationSeconds);
    }

    private static boolean finite(MultiLayerNetwork net) {
        return !BooleanIndexing.or(net.params(), Conditions.isNan()) && !BooleanIndexing.or(net.params(), Conditions.isInfinite());
    }

    /**
     * Prints each executor JVM the first time it reports, and refuses one whose layers trained without the
     * helpers the run asked for: what the driver's banner says must hold where the training happens.
     */
    private void checkExecutors() {
        for (RunRecord.Executor report : reports.value()) {
            String key = report.host() + "/" + report.pid();
            if (executors.putIfAbsent(key, report) != null) continue;
            console.println("Executor " + ExecutorChecks.describe(report));
            if (config.helpers() && !LayerHelpers.allAttached(report.attachedHelpers())) {
                throw new BackendException("Executor " + ExecutorChecks.describe(report) + " trained without the layer helpers the run asks for.",
                        "Check that its native build loads (the executor's log says why not), or run with --no-helpers.");
            }
        }
        reports.reset();
    }

    /** Every executor JVM that trained, as reported by its tasks. */
    List<RunRecord.Executor> executors() {
        return List.copyOf(executors.values());
    }

    @Override
    public int totalEpochs() {
        return config.epochs();
    }

    @Override
    public MultiLayerNetwork network() {
        return sparkNet.getNetwork();
    }
}
