package dev.cifar10.train;

import dev.cifar10.run.EpochStats;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/** The epochs of a run, trained and validated one at a time: on this machine ({@link EpochRunner}) or by the Spark job. */
public interface TrainingEpochs {
    /** Trains and validates epoch {@code epoch} (1-based); a non-finite loss throws {@link NonFiniteLossException}. */
    EpochStats run(int epoch);

    int totalEpochs();

    /** The network as it stands after the last epoch run, to checkpoint. */
    MultiLayerNetwork network();
}
