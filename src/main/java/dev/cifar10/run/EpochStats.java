package dev.cifar10.run;

import java.util.Locale;

/**
 * One epoch of history, the row of history.csv / history.json.
 *
 * @param epochSeconds      wall time of the epoch, training and validation (as Keras reports it)
 * @param trainSeconds      wall time of the training steps alone
 * @param msPerStep         trainSeconds / steps
 * @param imagesPerSecond   training images / trainSeconds
 * @param validationSeconds wall time of the validation pass
 * @param validationImagesPerSecond validation images / validationSeconds (inference speed)
 */
public record EpochStats(int epoch, double loss, double acc, double valLoss, double valAcc,
                         double epochSeconds, double trainSeconds, int steps, double msPerStep, double imagesPerSecond,
                         double validationSeconds, double validationImagesPerSecond) {

    /** The Keras-shaped line, e.g. {@code Epoch 3/30  1094/1094 - 7s 6ms/step - loss: 0.8712 - acc: ...}. */
    public String kerasLine(int totalEpochs) {
        return String.format(Locale.ROOT,
                "Epoch %d/%d  %d/%d - %.0fs %.0fms/step - loss: %.4f - acc: %.4f - val_loss: %.4f - val_acc: %.4f",
                epoch, totalEpochs, steps, steps, epochSeconds, msPerStep, loss, acc, valLoss, valAcc);
    }
}
