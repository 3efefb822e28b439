package dev.cifar10.spark;

import dev.cifar10.config.RunConfig;
import dev.cifar10.data.Cifar10Binary;
import dev.cifar10.data.CifarBatches;
import dev.cifar10.data.LabeledImages;
import dev.cifar10.data.DataException;
import dev.cifar10.data.PreparedData;
import dev.cifar10.data.Standardisation;
import dev.cifar10.data.TrainValidationSplit;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import scala.Tuple2;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * The notebook's data on Spark: CIFAR-10 record files from any Hadoop file system, checked and numbered
 * as the local reader numbers them, so the channel statistics, the numpy-exact split and each epoch's
 * batches are those of {@code train}; batches are standardised on the executors.
 */
final class SparkData {
    private final JavaSparkContext sc;
    private final RunConfig config;
    final String source;
    private final JavaPairRDD<Long, byte[]> train;
    final long trainingRecords;
    final long testRecords;
    final Standardisation standardisation;
    final TrainValidationSplit split;
    private final Broadcast<Standardisation> stats;
    final JavaRDD<DataSet> validationBatches;
    final JavaRDD<DataSet> testBatches;

    private SparkData(JavaSparkContext sc, RunConfig config) {
        this.sc = sc;
        this.config = config;
        Cifar10Binary.Layout layout = Cifar10Binary.layout(config.data(), hadoopFiles(sc, config.data()));
        source = layout.dir();
        train = numbered(sc, layout.trainFiles(), config.maxTrainImages()).cache();
        trainingRecords = train.count();
        JavaPairRDD<Long, byte[]> test = numbered(sc, List.of(layout.testFile()), config.maxTestImages()).cache();
        testRecords = test.count();
        standardisation = statistics(train.values());
        split = TrainValidationSplit.of((int) trainingRecords, config.validationSplit(), config.seed());
        stats = sc.broadcast(standardisation);
        boolean[] validation = new boolean[(int) trainingRecords];
        for (int i : split.validation()) validation[i] = true;
        Broadcast<boolean[]> isValidation = sc.broadcast(validation);
        validationBatches = batches(train.filter(r -> isValidation.value()[(int) (long) r._1()]).values(), config.evalBatchSize()).cache();
        testBatches = batches(test.values(), config.evalBatchSize()).cache();
    }

    static SparkData load(JavaSparkContext sc, RunConfig config) {
        return new SparkData(sc, config);
    }

    /** The data line, as train prints it, with Spark's partitions. */
    String summary() {
        return PreparedData.summary(source, trainingRecords, split, testRecords)
                + String.format(Locale.ROOT, ", %d partitions", train.getNumPartitions());
    }

    /** Training batches per epoch. */
    int batchesPerEpoch() {
        return (split.train().length + config.batchSize() - 1) / config.batchSize();
    }

    /**
     * The training batches of epoch {@code epoch} (1-based): the images of train's own batches, in its order
     * ({@link CifarBatches#epochOrder}), each partition holding whole batches.
     */
    JavaRDD<DataSet> trainBatches(int epoch) {
        int[] order = CifarBatches.epochOrder(split.train(), config.seed(), epoch - 1);
        int[] rank = new int[(int) trainingRecords];
        Arrays.fill(rank, -1);
        for (int k = 0; k < order.length; k++) rank[order[k]] = k;
        Broadcast<int[]> ranks = sc.broadcast(rank);
        JavaRDD<byte[]> ordered = train
                .mapToPair(r -> new Tuple2<>(ranks.value()[(int) (long) r._1()], r._2()))
                .filter(r -> r._1() >= 0)
                .repartitionAndSortWithinPartitions(new WholeBatches(train.getNumPartitions(), batchesPerEpoch(), config.batchSize()))
                .values();
        return batches(ordered, config.batchSize());
    }

    /** Sends the images of one batch (consecutive ranks) to one partition, so no batch is split. */
    private static final class WholeBatches extends Partitioner {
        private final int partitions;
        private final int batches;
        private final int batchSize;

        WholeBatches(int partitions, int batches, int batchSize) {
            this.partitions = Math.max(1, Math.min(partitions, batches));
            this.batches = batches;
            this.batchSize = batchSize;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object rank) {
            return (int) ((long) ((Integer) rank / batchSize) * partitions / batches);
        }
    }

    /** The shared record-file checks, asked of the Hadoop file system that holds {@code dir}. */
    static Cifar10Binary.FileSystemView hadoopFiles(JavaSparkContext sc, String dir) {
        FileSystem fs;
        try {
            fs = FileSystem.get(URI.create(dir), sc.hadoopConfiguration());
        } catch (IOException | IllegalArgumentException e) {
            throw new DataException("Cannot open the file system of " + dir + ": " + e.getMessage(), e);
        }
        return new Cifar10Binary.FileSystemView() {
            @Override
            public boolean isDirectory(String path) {
                FileStatus status = status(path);
                return status != null && status.isDirectory();
            }

            @Override
            public boolean isFile(String path) {
                FileStatus status = status(path);
                return status != null && status.isFile();
            }

            @Override
            public List<String> names(String path) {
                try {
                    return Arrays.stream(fs.listStatus(new Path(path))).map(s -> s.getPath().getName()).toList();
                } catch (IOException e) {
                    throw new DataException("Cannot list data directory " + path + ": " + e.getMessage(), e);
                }
            }

            @Override
            public long size(String path) {
                FileStatus status = status(path);
                if (status == null) throw new DataException(path + " does not exist (as Spark sees it).");
                return status.getLen();
            }

            private FileStatus status(String path) {
                try {
                    return fs.getFileStatus(new Path(path));
                } catch (FileNotFoundException e) {
                    return null;
                } catch (IOException e) {
                    throw new DataException("Cannot read " + path + ": " + e.getMessage(), e);
                }
            }
        };
    }

    /** The records of {@code files}, each with its index in file order (as the local reader counts), at most {@code limit} (0 = all). */
    private static JavaPairRDD<Long, byte[]> numbered(JavaSparkContext sc, List<String> files, int limit) {
        JavaPairRDD<Long, byte[]> all = null;
        long offset = 0;
        for (String file : files) {
            JavaRDD<byte[]> records = sc.binaryRecords(file, Cifar10Binary.RECORD_BYTES);
            long count = records.count();
            long base = offset;
            JavaPairRDD<Long, byte[]> indexed = records.zipWithIndex().mapToPair(t -> {
                Cifar10Binary.requireLabel(file, t._2(), t._1()[0]);
                return new Tuple2<>(base + t._2(), t._1().clone());
            });
            all = all == null ? indexed : all.union(indexed);
            offset += count;
        }
        if (limit > 0) {
            long max = limit;
            all = all.filter(t -> t._1() < max);
        }
        return all;
    }

    /** Channel mean and population std over every pixel of every training record, summed on the executors. */
    private static Standardisation statistics(JavaRDD<byte[]> records) {
        return records.map(r -> new Standardisation.Sums().add(r, 1)).reduce(Standardisation.Sums::merge).standardisation();
    }

    /** Standardised mini-batches, built on the executors (after their backend has started). */
    private JavaRDD<DataSet> batches(JavaRDD<byte[]> records, int batchSize) {
        Broadcast<Standardisation> standardisation = stats;
        DataType dataType = config.nd4jDataType();
        return records.mapPartitions((Iterator<byte[]> it) -> {
            ExecutorBackend.require();
            List<DataSet> out = new ArrayList<>();
            List<byte[]> chunk = new ArrayList<>(batchSize);
            while (it.hasNext()) {
                chunk.add(it.next());
                if (chunk.size() == batchSize || !it.hasNext()) {
                    out.add(toDataSet(chunk, standardisation.value(), dataType));
                    chunk = new ArrayList<>(batchSize);
                }
            }
            return out.iterator();
        });
    }

    private static DataSet toDataSet(List<byte[]> records, Standardisation standardisation, DataType dataType) {
        int n = records.size();
        byte[] pixels = new byte[n * LabeledImages.IMAGE_BYTES];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = records.get(i)[0];
            System.arraycopy(records.get(i), 1, pixels, i * LabeledImages.IMAGE_BYTES, LabeledImages.IMAGE_BYTES);
        }
        return CifarBatches.batch(new LabeledImages(pixels, labels), IntStream.range(0, n).toArray(), 0, n, standardisation, dataType);
    }
}
