package dev.cifar10.train;

import dev.cifar10.run.EpochStats;
import dev.cifar10.run.History;
import dev.cifar10.run.RunDirectory;
import dev.cifar10.run.RunFiles;

import java.io.PrintWriter;

/** Keras's {@code fit(..., validation_data=...)}, shared by train and the Spark job. */
public final class EpochLoop {
    private EpochLoop() {
    }

    /**
     * From the epoch after {@code history}'s last to the end: each epoch's line, then its files and checkpoint.
     * An epoch that fails (a non-finite loss, a full disk) leaves the previous epoch's checkpoint as it was.
     */
    public static void fit(TrainingEpochs epochs, RunDirectory run, History history, String title, PrintWriter console) {
        for (int epoch = history.epochs().size() + 1; epoch <= epochs.totalEpochs(); epoch++) {
            StopSignals.check();
            // diverged weights never reach the checkpoint: a NaN step loss, or NaN outputs in validation, stop the epoch first
            EpochStats stats = epochs.run(epoch);
            history.add(stats);
            console.println(stats.kerasLine(epochs.totalEpochs()));
            RunFiles.saveEpoch(run, epochs.network(), history, title);
        }
    }
}
