package dev.cifar10.train;

import dev.cifar10.data.CifarBatches;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * One Keras epoch: fit every training batch (in this epoch's order), then evaluate on the
 * validation set; timed the way Keras reports it. Shared by {@code train} and {@code bench}.
 */
public final class EpochRunner {
    private final MultiLayerNetwork net;
    private final CifarBatches trainBatches;
    private final CifarBatches validationBatches;
    private final EpochProgress progress;
    private final int totalEpochs;

    public EpochRunner(MultiLayerNetwork net, CifarBatches trainBatches, CifarBatches validationBatches, int totalEpochs, String label) {
        this.net = net;
        this.trainBatches = trainBatches;
        this.validationBatches = validationBatches;
        this.totalEpochs = totalEpochs;
        this.progress = new EpochProgress(trainBatches.batchesPerEpoch(), label);
        net.addListeners(progress);
    }

    /** Runs epoch {@code epoch} (1-based); its batch order depends only on the seed and this number. */
    public EpochStats run(int epoch) {
        trainBatches.startEpoch(epoch - 1);
        progress.begin(epoch, totalEpochs);
        long start = System.nanoTime();
        net.fit(trainBatches);
        double trainSeconds = progress.end();
        long validationStart = System.nanoTime();
        Evaluator.Result validation = Evaluator.evaluate(net, validationBatches);
        long end = System.nanoTime();
        double validationSeconds = (end - validationStart) / 1e9;
        return new EpochStats(epoch, progress.loss(), progress.accuracy(), validation.loss(), validation.accuracy(),
                (end - start) / 1e9, trainSeconds, progress.steps(), 1000 * trainSeconds / progress.steps(),
                progress.imagesSeen() / trainSeconds, validationSeconds, validationBatches.size() / validationSeconds);
    }

    /** Fits {@code steps} batches outside any epoch (warm-up: JIT, oneDNN kernel caches, workspaces). */
    public void warmUp(int steps) {
        trainBatches.startEpoch(-1);
        for (int i = 0; i < steps; i++) {
            if (!trainBatches.hasNext()) trainBatches.startEpoch(-1 - i);
            net.fit(trainBatches.next());
        }
    }

    public int totalEpochs() {
        return totalEpochs;
    }
}
