package dev.cifar10.data;

import dev.cifar10.config.ConfigException;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Locale;

/**
 * The notebook's preprocessing, done once: per-channel statistics over all training records,
 * then the seeded 70/30 train/validation split. Hands out batch iterators over the result.
 */
public record PreparedData(Cifar10 data, Standardisation standardisation, TrainValidationSplit split) {

    /** Settings this data cannot satisfy, refused before any training: no training image, or not one full batch. */
    public void checkSizes(int batchSize, double validationSplit) {
        int train = split.train().length, records = data.train().size();
        if (train == 0) {
            throw new ConfigException(String.format(Locale.ROOT, "--validation-split %s holds out all %,d training records of %s, "
                    + "leaving none to train on. Lower --validation-split or use more data (--max-train-images).", validationSplit, records, data.source()));
        }
        if (batchSize > train) {
            throw new ConfigException(String.format(Locale.ROOT, "--batch-size %d is larger than the %,d training images (%,d records less "
                    + "%,d for validation from %s). Lower --batch-size or use more data.", batchSize, train, records, split.validation().length, data.source()));
        }
        if (data.test().size() == 0) {
            throw new ConfigException("No test records in " + data.source() + ". Check --max-test-images and --data.");
        }
    }

    public static PreparedData of(Cifar10 data, double validationFraction, long seed) {
        return new PreparedData(data, Standardisation.fit(data.train()),
                TrainValidationSplit.of(data.train().size(), validationFraction, seed));
    }

    public CifarBatches trainBatches(int batchSize, long shuffleSeed, DataType type) {
        return new CifarBatches(data.train(), split.train(), standardisation, batchSize, true, shuffleSeed, type);
    }

    public CifarBatches validationBatches(int batchSize, DataType type) {
        return new CifarBatches(data.train(), split.validation(), standardisation, batchSize, false, 0, type);
    }

    public CifarBatches testBatches(int batchSize, DataType type) {
        return CifarBatches.sequential(data.test(), standardisation, batchSize, type);
    }

    public String summary() {
        return summary(data.source(), data.train().size(), split, data.test().size());
    }

    /** The data line of train and the Spark job: source, records, split. */
    public static String summary(String source, long trainingRecords, TrainValidationSplit split, long testRecords) {
        return String.format(Locale.ROOT, "%s: %,d training records (%,d train / %,d validation), %,d test records",
                source, trainingRecords, split.train().length, split.validation().length, testRecords);
    }
}
