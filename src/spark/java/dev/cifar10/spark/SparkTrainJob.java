package dev.cifar10.spark;

import dev.cifar10.backend.BackendException;
import dev.cifar10.backend.BackendInfo;
import dev.cifar10.cli.RunSettingsOptions;
import dev.cifar10.config.ConfigException;
import dev.cifar10.config.RunConfig;
import dev.cifar10.data.Cifar10Binary;
import dev.cifar10.data.CifarBatches;
import dev.cifar10.data.DataException;
import dev.cifar10.data.LabeledImages;
import dev.cifar10.data.Standardisation;
import dev.cifar10.data.TrainValidationSplit;
import dev.cifar10.model.NotebookCnn;
import dev.cifar10.run.CurvesPlot;
import dev.cifar10.run.EpochStats;
import dev.cifar10.run.EvaluationResult;
import dev.cifar10.run.History;
import dev.cifar10.run.OutputException;
import dev.cifar10.run.RunDirectory;
import dev.cifar10.run.RunRecord;
import dev.cifar10.run.TestReport;
import dev.cifar10.startup.Startup;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;
import scala.Tuple2;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/**
 * The notebook's training on an Apache Spark cluster, with DL4J's parameter averaging: the
 * executors train replicas on their partitions, the driver averages them. Reads the CIFAR-10
 * binary files from any path Spark's Hadoop file system reads (local, HDFS, S3) and writes the
 * same run directory as {@code train} (history, curves, model, test result) on the driver.
 *
 * <pre>
 * spark-submit --class dev.cifar10.spark.SparkTrainJob --master spark://host:7077 \
 *   --jars "$(ls target/lib/*.jar | paste -sd,)" target/cifar10-dl4j.jar \
 *   --data hdfs:///datasets/cifar-10-batches-bin --out runs/spark-notebook
 * </pre>
 */
@Command(name = "spark-train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Trains the notebook's CNN on Apache Spark (parameter averaging); writes a run directory on the driver.")
public final class SparkTrainJob implements Callable<Integer> {
    @Mixin
    RunSettingsOptions settings;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory on the driver (default: runs/<timestamp>-spark).")
    java.nio.file.Path out;

    @Option(names = "--averaging-steps", defaultValue = "5",
            description = "Steps each executor trains between two parameter averagings (default: ${DEFAULT-VALUE}).")
    int averagingSteps;

    @Option(names = "--master", description = "Spark master when not run by spark-submit, e.g. local[2].")
    String master;

    private final PrintWriter console = new PrintWriter(System.out, true);

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        System.setProperty("java.awt.headless", "true");
        return new CommandLine(new SparkTrainJob()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigException || e instanceof DataException
                    || e instanceof OutputException || e instanceof BackendException) {
                cmd.getErr().println("Error: " + e.getMessage());
                return e instanceof ConfigException ? 2 : e instanceof DataException ? 3 : 4;
            }
            throw e;
        }).execute(args);
    }

    @Override
    public Integer call() throws Exception {
        RunConfig config = settings.resolve();
        if (config.data().equals("download") || config.data().equals("synthetic")) {
            throw new ConfigException("The Spark job reads CIFAR-10 binary files from a path Spark can read (file:, hdfs:, s3a:); "
                    + "pass --data with the directory holding data_batch_*.bin and test_batch.bin.");
        }
        BackendInfo backend = Startup.backend(config, console);
        SparkConf conf = new SparkConf().setAppName("cifar10-dl4j notebook CNN");
        if (master != null) conf.setMaster(master);
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            train(sc, config, backend);
        }
        return 0;
    }

    private void train(JavaSparkContext sc, RunConfig config, BackendInfo backend) throws IOException {
        // 1. Records, numbered in the order of the local reader: data_batch_1, 2, ... then test_batch.
        List<String> trainFiles = trainFiles(sc, config.data());
        JavaPairRDD<Long, byte[]> train = numbered(sc, trainFiles, config.maxTrainImages()).cache();
        long n = train.count();
        JavaPairRDD<Long, byte[]> test = numbered(sc, List.of(join(config.data(), Cifar10Binary.TEST_FILE)), config.maxTestImages()).cache();

        // 2. The notebook's preprocessing: channel statistics over all training records, then the numpy-exact split.
        Standardisation standardisation = statistics(train.values());
        TrainValidationSplit split = TrainValidationSplit.of((int) n, config.validationSplit(), config.seed());
        boolean[] validation = new boolean[(int) n];
        for (int i : split.validation()) validation[i] = true;
        Broadcast<boolean[]> isValidation = sc.broadcast(validation);
        Broadcast<Standardisation> stats = sc.broadcast(standardisation);
        JavaRDD<byte[]> trainRecords = train.filter(r -> !isValidation.value()[(int) (long) r._1()]).values().cache();
        JavaRDD<DataSet> validationBatches = batches(train.filter(r -> isValidation.value()[(int) (long) r._1()]).values(),
                stats, config.evalBatchSize()).cache();
        JavaRDD<DataSet> testBatches = batches(test.values(), stats, config.evalBatchSize()).cache();
        console.printf(Locale.ROOT, "Data: %s: %,d training records (%,d train / %,d validation), %,d test records, %d partitions%n",
                config.data(), n, split.train().length, split.validation().length, test.count(), trainRecords.getNumPartitions());

        // 3. The network and DL4J's parameter-averaging training master.
        MultiLayerNetwork net = NotebookCnn.build(config.modelSettings());
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(config.batchSize())
                .batchSizePerWorker(config.batchSize()).averagingFrequency(averagingSteps).workerPrefetchNumBatches(2)
                .rngSeed(config.seed()).saveUpdater(true).build();
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, net, master);

        java.nio.file.Path outDir = out != null ? out : java.nio.file.Path.of("runs",
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-spark");
        RunDirectory run = RunDirectory.create(outDir);
        RunRecord record = RunRecord.start(config, backend, RunRecord.Data.of(config.data(), n, split, test.count(), standardisation))
                .withSpark(new RunRecord.Spark(sc.version(), sc.master(), sc.defaultParallelism(), averagingSteps,
                        "ParameterAveragingTrainingMaster"));
        record.write(run);

        // 4. Epochs: shuffled batches of the notebook's size, trained on the executors, evaluated after each epoch.
        History history = new History();
        int steps = (split.train().length + config.batchSize() - 1) / config.batchSize();
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            long seed = config.seed() * 1_000_003L + epoch - 1;
            JavaRDD<DataSet> epochBatches = batches(shuffled(trainRecords, seed), stats, config.batchSize()).cache();
            long start = System.nanoTime();
            sparkNet.fit(epochBatches);
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            double loss = sparkNet.getScore();
            Evaluation trainEval = sparkNet.evaluate(epochBatches);
            epochBatches.unpersist();
            long validationStart = System.nanoTime();
            Evaluation validationEval = sparkNet.evaluate(validationBatches);
            double validationLoss = sparkNet.calculateScore(validationBatches, true);
            double validationSeconds = (System.nanoTime() - validationStart) / 1e9;
            EpochStats stats1 = new EpochStats(epoch, loss, trainEval.accuracy(), validationLoss, validationEval.accuracy(),
                    (System.nanoTime() - start) / 1e9, trainSeconds, steps, 1000 * trainSeconds / steps,
                    split.train().length / trainSeconds, validationSeconds, split.validation().length / validationSeconds);
            history.add(stats1);
            console.println(stats1.kerasLine(config.epochs()));
            run.writeText("history.csv", history.toCsv());
            run.writeJson("history.json", history.epochs());
            run.write("curves.png", o -> CurvesPlot.writePng(history, "CIFAR-10 dropout CNN (Spark)", o));
            run.writeModel("model.zip", sparkNet.getNetwork());
        }

        // 5. Test set, as train does.
        Evaluation testEval = sparkNet.evaluate(testBatches);
        double testLoss = sparkNet.calculateScore(testBatches, true);
        EvaluationResult result = new EvaluationResult(testLoss, testEval.accuracy(), testEval);
        run.writeJson("test.json", TestReport.of(result));
        TestReport.print(result, console);
        record.completed(result).write(run);
        console.println("Saved: run.json history.csv history.json curves.png model.zip test.json in " + run.path());
    }

    /** data_batch_N.bin under {@code dir} (any Hadoop file system), in N order. */
    static List<String> trainFiles(JavaSparkContext sc, String dir) throws IOException {
        Configuration hadoop = sc.hadoopConfiguration();
        Path path = new Path(dir);
        FileSystem fs = FileSystem.get(URI.create(dir), hadoop);
        if (!fs.exists(path)) throw new DataException("Data directory " + dir + " does not exist (as Spark sees it).");
        List<FileStatus> files = new ArrayList<>();
        for (FileStatus s : fs.listStatus(path)) {
            if (Cifar10Binary.trainBatchNumber(s.getPath().getName()) >= 0) files.add(s);
        }
        if (files.isEmpty()) throw new DataException("No data_batch_*.bin in " + dir + ".");
        if (!fs.exists(new Path(path, Cifar10Binary.TEST_FILE))) {
            throw new DataException("Test file " + join(dir, Cifar10Binary.TEST_FILE) + " is missing.");
        }
        files.sort(Comparator.comparingInt(s -> Cifar10Binary.trainBatchNumber(s.getPath().getName())));
        List<String> names = new ArrayList<>();
        for (FileStatus s : files) {
            if (s.getLen() % Cifar10Binary.RECORD_BYTES != 0) {
                throw new DataException(s.getPath() + " is " + s.getLen() + " bytes, not a whole number of "
                        + Cifar10Binary.RECORD_BYTES + "-byte CIFAR-10 records.");
            }
            names.add(s.getPath().toString());
        }
        return names;
    }

    private static String join(String dir, String file) {
        return dir.endsWith("/") ? dir + file : dir + "/" + file;
    }

    /** The records of {@code files}, each with its global index (file after file), at most {@code limit} (0 = all). */
    static JavaPairRDD<Long, byte[]> numbered(JavaSparkContext sc, List<String> files, int limit) {
        JavaPairRDD<Long, byte[]> all = null;
        long offset = 0;
        for (String file : files) {
            JavaRDD<byte[]> records = sc.binaryRecords(file, Cifar10Binary.RECORD_BYTES);
            long count = records.count();
            long base = offset;
            String name = file;
            JavaPairRDD<Long, byte[]> indexed = records.zipWithIndex().mapToPair(t -> {
                int label = t._1()[0] & 0xFF;
                if (label > 9) {
                    throw new DataException(name + ": record " + t._2() + " has label " + label + "; CIFAR-10 labels are 0-9.");
                }
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
    static Standardisation statistics(JavaRDD<byte[]> records) {
        return records.map(r -> new Standardisation.Sums().add(r, 1)).reduce(Standardisation.Sums::merge).standardisation();
    }

    /** A fresh random order for one epoch, reproducible from the seed. */
    static JavaRDD<byte[]> shuffled(JavaRDD<byte[]> records, long seed) {
        return records.mapPartitionsWithIndex((partition, it) -> {
            SplittableRandom random = new SplittableRandom(seed * 31 + partition);
            List<Tuple2<Long, byte[]>> keyed = new ArrayList<>();
            it.forEachRemaining(r -> keyed.add(new Tuple2<>(random.nextLong(), r)));
            return keyed.iterator();
        }, true).mapToPair(t -> t).sortByKey().values();
    }

    /** Standardised mini-batches, built on the executors. */
    static JavaRDD<DataSet> batches(JavaRDD<byte[]> records, Broadcast<Standardisation> stats, int batchSize) {
        return records.mapPartitions((Iterator<byte[]> it) -> {
            List<DataSet> out = new ArrayList<>();
            List<byte[]> chunk = new ArrayList<>(batchSize);
            while (it.hasNext()) {
                chunk.add(it.next());
                if (chunk.size() == batchSize || !it.hasNext()) {
                    out.add(toDataSet(chunk, stats.value()));
                    chunk = new ArrayList<>(batchSize);
                }
            }
            return out.iterator();
        });
    }

    static DataSet toDataSet(List<byte[]> records, Standardisation standardisation) {
        int n = records.size();
        byte[] pixels = new byte[n * LabeledImages.IMAGE_BYTES];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = records.get(i)[0];
            System.arraycopy(records.get(i), 1, pixels, i * LabeledImages.IMAGE_BYTES, LabeledImages.IMAGE_BYTES);
        }
        return CifarBatches.batch(new LabeledImages(pixels, labels), IntStream.range(0, n).toArray(), 0, n,
                standardisation, DataType.FLOAT);
    }
}
