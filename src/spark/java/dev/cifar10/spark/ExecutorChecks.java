package dev.cifar10.spark;

import dev.cifar10.backend.BackendInfo;
import dev.cifar10.backend.LayerHelpers;
import dev.cifar10.backend.PhysicalMemoryGuard;
import dev.cifar10.run.RunRecord;
import dev.cifar10.train.NonFiniteLossException;
import dev.cifar10.util.HostInfo;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Locale;

/**
 * Runs beside every training step on the executors: the backend must have started (else the task fails
 * with its reason), each task reports once which backend and layer helpers its replica trains with (checked
 * on the layers, not assumed), JavaCPP's memory cap is checked, and a NaN or infinite loss fails the task
 * at once, which ends the job, as {@code train} stops at its first non-finite step.
 */
final class ExecutorChecks implements TrainingHook {
    private final CollectionAccumulator<RunRecord.Executor> reports;
    private int epoch;
    private transient boolean reported;
    private transient int steps;

    ExecutorChecks(CollectionAccumulator<RunRecord.Executor> reports) {
        this.reports = reports;
    }

    /** The epoch about to be trained, for the message of a diverged step (the hook travels with each epoch's tasks). */
    void startEpoch(int epoch) {
        this.epoch = epoch;
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        BackendInfo backend = ExecutorBackend.require();
        if (!reported) {
            reports.add(new RunRecord.Executor(HostInfo.hostName(), ProcessHandle.current().pid(), backend.nativeVariant(), backend.helpers(),
                    LayerHelpers.attached((MultiLayerNetwork) model)));
            reported = true;
        }
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
        PhysicalMemoryGuard.check();   // the executor's backend took JavaCPP's per-allocation check over, as train's does
        steps++;
        double loss = model.score();
        if (!Double.isFinite(loss)) {
            throw new NonFiniteLossException(loss, String.format(Locale.ROOT, "on executor %s (pid %d) at its step %d of epoch %d",
                    HostInfo.hostName(), ProcessHandle.current().pid(), steps, epoch));
        }
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        // the job trains a MultiLayerNetwork on DataSets only
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        // the job trains a MultiLayerNetwork on DataSets only
    }

    /** One line for the console: the executor JVM, its native build and its layers' helpers. */
    static String describe(RunRecord.Executor executor) {
        return String.format(Locale.ROOT, "%s pid %d: natives %s, layer helpers %s (%s)", executor.host(), executor.pid(),
                executor.nativeVariant(), executor.layerHelpers(), LayerHelpers.describe(executor.attachedHelpers()));
    }
}
