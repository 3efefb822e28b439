package dev.cifar10.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What {@code fit} returns, as in Keras: one row per epoch; files and plots are derived from it. */
public record History(List<EpochStats> epochs) {
    static final String CSV_HEADER = "epoch,loss,acc,val_loss,val_acc,epoch_seconds,train_seconds,steps,ms_per_step,images_per_second,validation_seconds,validation_images_per_second";

    public History() {
        this(new ArrayList<>());
    }

    public void add(EpochStats e) {
        epochs.add(e);
    }

    public EpochStats last() {
        return epochs.get(epochs.size() - 1);
    }

    public String toCsv() {
        StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
        for (EpochStats e : epochs) {
            sb.append(String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.6f,%.3f,%.3f,%d,%.3f,%.1f,%.3f,%.1f%n", e.epoch(), e.loss(), e.acc(),
                    e.valLoss(), e.valAcc(), e.epochSeconds(), e.trainSeconds(), e.steps(), e.msPerStep(), e.imagesPerSecond(),
                    e.validationSeconds(), e.validationImagesPerSecond()));
        }
        return sb.toString();
    }
}
