package dev.cifar10.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Mini-batches over a subset of images, standardised as they are made (bytes stay bytes until
 * then). Like Keras's {@code fit(shuffle=True)}: a fresh order each epoch, and the last, partial
 * batch is kept. The order of epoch e depends only on (seed, e), so a resumed run sees the same
 * batches as an uninterrupted one. DL4J wraps this iterator in its AsyncDataSetIterator, which
 * builds the next batches on a background thread while the current one trains.
 */
public class CifarBatches implements DataSetIterator {
    private final LabeledImages images;
    private final int[] indices;
    private final int[] order;
    private final Standardisation standardisation;
    private final int batchSize;
    private final long shuffleSeed;
    private final boolean shuffle;
    private final DataType dataType;
    private final int limit;
    private int cursor;

    public CifarBatches(LabeledImages images, int[] indices, Standardisation standardisation, int batchSize,
                        boolean shuffle, long shuffleSeed, DataType dataType) {
        this(images, indices, standardisation, batchSize, shuffle, shuffleSeed, dataType, indices.length);
    }

    private CifarBatches(LabeledImages images, int[] indices, Standardisation standardisation, int batchSize,
                         boolean shuffle, long shuffleSeed, DataType dataType, int limit) {
        this.limit = Math.min(limit, indices.length);
        this.images = images;
        this.indices = indices.clone();
        this.order = indices.clone();
        this.standardisation = standardisation;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.shuffleSeed = shuffleSeed;
        this.dataType = dataType;
    }

    /** All images, in order, unshuffled: for evaluation. */
    public static CifarBatches sequential(LabeledImages images, Standardisation s, int batchSize, DataType dataType) {
        int[] all = new int[images.size()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        return new CifarBatches(images, all, s, batchSize, false, 0, dataType);
    }

    /** The same batches, but each epoch stops after {@code steps} of them (for benchmarks of a fixed length). */
    public CifarBatches capped(int steps) {
        return new CifarBatches(images, indices, standardisation, batchSize, shuffle, shuffleSeed, dataType,
                (int) Math.min(indices.length, (long) steps * batchSize));
    }

    /** Sets the order for epoch {@code epoch} (0-based) and rewinds. */
    public void startEpoch(int epoch) {
        System.arraycopy(shuffle ? epochOrder(indices, shuffleSeed, epoch) : indices, 0, order, 0, indices.length);
        cursor = 0;
    }

    /**
     * {@code indices} in the order of epoch {@code epoch} (0-based): a Fisher-Yates shuffle seeded by (seed, epoch)
     * alone, so a resumed run, and the Spark job, see the very order of an uninterrupted local run.
     */
    public static int[] epochOrder(int[] indices, long seed, int epoch) {
        int[] order = indices.clone();
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + epoch);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Images per epoch. */
    public int size() {
        return limit;
    }

    public int batchesPerEpoch() {
        return (limit + batchSize - 1) / batchSize;
    }

    @Override
    public boolean hasNext() {
        return cursor < limit;
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) throw new NoSuchElementException();
        int n = Math.min(num, limit - cursor);
        DataSet batch = batch(images, order, cursor, n, standardisation, dataType);
        cursor += n;
        return batch;
    }

    /** Images {@code indices[from .. from+n)}, standardised, with one-hot labels: features [n, 3, 32, 32], labels [n, 10]. */
    public static DataSet batch(LabeledImages images, int[] indices, int from, int n, Standardisation standardisation, DataType dataType) {
        float[] features = new float[n * LabeledImages.IMAGE_BYTES];
        float[] labels = new float[n * Cifar10.CLASSES];
        for (int b = 0; b < n; b++) {
            int image = indices[from + b];
            standardisation.apply(images, image, features, b * LabeledImages.IMAGE_BYTES);
            labels[b * Cifar10.CLASSES + images.label(image)] = 1f;
        }
        INDArray x = Nd4j.create(features, new long[]{n, 3, 32, 32}, 'c');
        INDArray y = Nd4j.create(labels, new long[]{n, Cifar10.CLASSES}, 'c');
        if (dataType != DataType.FLOAT) {
            x = x.castTo(dataType);
            y = y.castTo(dataType);
        }
        return new DataSet(x, y);
    }

    /** Rewinds without changing this epoch's order (DL4J calls reset() on its own). */
    @Override
    public void reset() {
        cursor = 0;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }

    @Override
    public int inputColumns() {
        return LabeledImages.IMAGE_BYTES;
    }

    @Override
    public int totalOutcomes() {
        return Cifar10.CLASSES;
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        throw new UnsupportedOperationException("CifarBatches standardises its own batches");
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return null;
    }

    @Override
    public List<String> getLabels() {
        return Cifar10.CLASS_NAMES;
    }
}
