package dev.cifar10.train;

import dev.cifar10.backend.HostArrays;
import dev.cifar10.backend.PhysicalMemoryGuard;
import dev.cifar10.model.tuned.SoftmaxOutputLayer;
import dev.cifar10.util.Progress;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keras's running training metrics for one epoch: the loss and accuracy averaged over every image
 * seen so far (with dropout active, as Keras reports them), shown on a live progress bar.
 *
 * <p>The accuracy is that of the logits z = h W + b the step's gradient came from (the argmax of z is the
 * argmax of the softmax): {@link SoftmaxOutputLayer} keeps them; with DL4J's own output layer they are
 * computed again, from the same input and weights.
 */
public final class EpochProgress extends BaseTrainingListener {
    private final int stepsPerEpoch;
    private final String label;
    private Progress bar;
    /** Each worker thread's batch size, between its forward pass and its iterationDone (ParallelWrapper runs several). */
    private final ThreadLocal<Integer> lastBatchSize = ThreadLocal.withInitial(() -> 0);
    private double lossSum;
    /**
     * Correct predictions so far, one device-side counter per worker thread: adding on the device
     * and reading only when shown keeps the training loop free of a device-to-host sync per step.
     */
    private final List<INDArray> correctCounters = new ArrayList<>();
    private final ThreadLocal<INDArray> correctCounter = ThreadLocal.withInitial(this::newCounter);
    /** On the CPU the logits are in host memory anyway: counted there, without a dozen small ops per step. */
    private final LongAdder correctOnHost = new LongAdder();
    private long seen;
    private long lastShownNanos;
    private int steps;
    private long startNanos;

    public EpochProgress(int stepsPerEpoch, String label) {
        this.stepsPerEpoch = stepsPerEpoch;
        this.label = label;
    }

    private synchronized INDArray newCounter() {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray counter = Nd4j.scalar(DataType.DOUBLE, 0.0);
            correctCounters.add(counter);
            return counter;
        }
    }

    synchronized void begin(int epoch, int totalEpochs) {
        lossSum = 0;
        for (INDArray counter : correctCounters) counter.assign(0);
        correctOnHost.reset();
        seen = 0;
        steps = 0;
        bar = Progress.steps(String.format(Locale.ROOT, "%sEpoch %d/%d", label, epoch, totalEpochs), stepsPerEpoch);
        startNanos = System.nanoTime();
    }

    /** Closes the bar; returns the seconds since {@link #begin}. */
    synchronized double end() {
        if (bar != null) bar.close();
        bar = null;
        return (System.nanoTime() - startNanos) / 1e9;
    }

    synchronized double loss() {
        return lossSum / Math.max(1, seen);
    }

    synchronized double accuracy() {
        double correct = correctOnHost.sum();
        for (INDArray counter : correctCounters) correct += counter.getDouble(0);
        return correct / Math.max(1, seen);
    }

    synchronized int steps() {
        return steps;
    }

    synchronized long imagesSeen() {
        return seen;
    }

    @Override
    public void onBackwardPass(Model model) {
        MultiLayerNetwork net = (MultiLayerNetwork) model;
        INDArray logits = net.getOutputLayer() instanceof SoftmaxOutputLayer out ? out.trainingLogits() : null;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (logits == null) {   // an output layer of DL4J's own (a model saved before SoftmaxOutput): z again
                var output = net.getOutputLayer();
                logits = output.input().mmul(output.getParam("W")).addiRowVector(output.getParam("b"));
            }
            INDArray labels = net.getLabels();
            if (HostArrays.onHost()) {
                // one flat copy each: toFloatMatrix builds a view and a copy per row (a third of a ms a step, async-profiler)
                correctOnHost.add(correct(flat(logits), flat(labels), (int) logits.size(1)));
            } else {
                INDArray predicted = logits.argMax(1);
                INDArray actual = labels.argMax(1);
                correctCounter.get().addi(predicted.eq(actual).castTo(DataType.DOUBLE).sum());
            }
            lastBatchSize.set((int) logits.size(0));
        }
    }

    /**
     * Rows where the largest logit (the first, on a tie, as argMax) is the label's class; both arrays row-major,
     * {@code classes} values a row.
     */
    static int correct(float[] logits, float[] oneHotLabels, int classes) {
        int correct = 0;
        for (int row = 0; row < logits.length; row += classes) {
            if (argMax(logits, row, classes) == argMax(oneHotLabels, row, classes)) correct++;
        }
        return correct;
    }

    /** Row-major values, whatever the array's ordering, and only its own (a view's buffer holds more). */
    static float[] flat(INDArray matrix) {
        return (matrix.isView() || matrix.ordering() != 'c' ? matrix.dup('c') : matrix).data().asFloat();
    }

    private static int argMax(float[] values, int from, int length) {
        int best = 0;
        for (int j = 1; j < length; j++) {
            if (values[from + j] > values[from + best]) best = j;
        }
        return best;
    }

    @Override
    public synchronized void iterationDone(Model model, int iteration, int epoch) {
        StopSignals.check();
        PhysicalMemoryGuard.check();
        double batchLoss = model.score();
        if (!Double.isFinite(batchLoss)) {
            throw new NonFiniteLossException(batchLoss, steps + 1);
        }
        int batch = lastBatchSize.get();
        lossSum += batchLoss * batch;
        seen += batch;
        steps++;
        if (bar != null) {
            bar.stepBy(1);
            long now = System.nanoTime();
            if (now - lastShownNanos > 250_000_000L || steps == stepsPerEpoch) { // the bar redraws 4 times a second
                lastShownNanos = now;
                bar.extraMessage(String.format(Locale.ROOT, "loss: %.4f - acc: %.4f", loss(), accuracy()));
            }
        }
    }
}
