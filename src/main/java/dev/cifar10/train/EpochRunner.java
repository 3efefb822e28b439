package dev.cifar10.train;

import dev.cifar10.data.CifarBatches;
import dev.cifar10.run.EpochStats;
import dev.cifar10.run.EvaluationResult;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.parallelism.ParallelWrapper;

import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One Keras epoch: fit every training batch (in this epoch's order), then evaluate on the
 * validation set; timed the way Keras reports it. Shared by {@code train} and {@code bench}.
 */
public final class EpochRunner implements TrainingEpochs {
    private final MultiLayerNetwork net;
    private final CifarBatches trainBatches;
    private final CifarBatches validationBatches;
    private final EpochProgress progress;
    private final int totalEpochs;
    private final ParallelWrapper wrapper;

    /**
     * @param workers            1: DL4J's own fit loop; above 1: that many trainers on model replicas (DL4J's ParallelWrapper, one per
     *                           GPU on CUDA), parameters and updater state averaged every {@code averagingFrequency} steps
     * @param prefetch           batches ParallelWrapper prepares ahead
     */
    public EpochRunner(MultiLayerNetwork net, CifarBatches trainBatches, CifarBatches validationBatches, int totalEpochs, String label,
                       int workers, int averagingFrequency, int prefetch) {
        this.net = net;
        this.trainBatches = trainBatches;
        this.validationBatches = validationBatches;
        this.totalEpochs = totalEpochs;
        this.progress = new EpochProgress(trainBatches.batchesPerEpoch(), label);
        net.addListeners(progress);
        // The builder moves the model's listeners to every replica, so the epoch line and checkpoints stay as they are.
        this.wrapper = workers <= 1 ? null : new ParallelWrapper.Builder<>(net).workers(workers)
                .averagingFrequency(averagingFrequency).prefetchBuffer(prefetch).averageUpdaters(true)
                .trainingMode(ParallelWrapper.TrainingMode.AVERAGING).reportScoreAfterAveraging(false).build();
        if (wrapper != null) quietenKnownFailures(wrapper);
    }

    /** Runs epoch {@code epoch} (1-based); its batch order depends only on the seed and this number. */
    @Override
    public EpochStats run(int epoch) {
        trainBatches.startEpoch(epoch - 1);
        progress.begin(epoch, totalEpochs);
        long start = System.nanoTime();
        if (wrapper != null) {
            wrapper.fit(trainBatches); // the replicas' average is in net when it returns
        } else {
            net.fit(trainBatches);
        }
        double trainSeconds = progress.end();
        long validationStart = System.nanoTime();
        EvaluationResult validation = Evaluator.evaluate(net, validationBatches);
        long end = System.nanoTime();
        double validationSeconds = (end - validationStart) / 1e9;
        return new EpochStats(epoch, progress.loss(), progress.accuracy(), validation.loss(), validation.accuracy(),
                (end - start) / 1e9, trainSeconds, progress.steps(), 1000 * trainSeconds / progress.steps(),
                progress.imagesSeen() / trainSeconds, validationSeconds, validationBatches.size() / validationSeconds);
    }

    /**
     * Untimed epochs run as the timed ones are (the same iterator, fit loop and listeners, then a validation pass),
     * of at most an epoch's batches each, until {@code steps} training steps have run: the JIT compiles, and oneDNN
     * caches, what the timed epochs run. (Plain {@code fit(DataSet)} steps left the iterator and evaluation code to
     * the timed epochs, where compiling them, and recompiling the code they share, slowed the first ones.)
     */
    public void warmUp(int steps) {
        if (steps > 0 && trainBatches.batchesPerEpoch() == 0) {
            throw new IllegalStateException("no training images to warm up on");   // else the loop below never ends
        }
        for (int pass = 0, done = 0; done < steps; pass++) {
            CifarBatches part = trainBatches.capped(Math.min(steps - done, trainBatches.batchesPerEpoch()));
            part.startEpoch(-1 - pass);
            if (wrapper != null) {
                wrapper.fit(part);
            } else {
                net.fit(part);
            }
            Evaluator.evaluate(net, validationBatches);
            done += part.batchesPerEpoch();
        }
    }

    @Override
    public MultiLayerNetwork network() {
        return net;
    }

    @Override
    public int totalEpochs() {
        return totalEpochs;
    }

    /**
     * ParallelWrapper's handler prints a worker's exception with its stack trace, then fit rethrows it. For this
     * program's own failures (a NaN loss, a stop request), which train reports once with their exit code, record
     * them as DL4J's handler does, without the print; anything else still goes to DL4J's handler.
     */
    private static void quietenKnownFailures(ParallelWrapper wrapper) {
        Thread.UncaughtExceptionHandler dl4j = wrapper.getHandler();
        try {
            Field encountered = ParallelWrapper.class.getDeclaredField("exceptionEncountered");
            Field exception = ParallelWrapper.class.getDeclaredField("exception");
            encountered.setAccessible(true);
            exception.setAccessible(true);
            wrapper.setHandler((thread, e) -> {
                if (!Failures.isKnown(e)) {
                    dl4j.uncaughtException(thread, e);
                    return;
                }
                try {
                    if (((AtomicBoolean) encountered.get(wrapper)).compareAndSet(false, true)) exception.set(wrapper, e);
                } catch (IllegalAccessException unexpected) {
                    dl4j.uncaughtException(thread, e);
                }
            });
        } catch (NoSuchFieldException | RuntimeException e) {
            // another DL4J version: keep its handler and its stack trace
        }
    }
}
