package dev.cifar10.train;

import dev.cifar10.backend.BackendInfo;
import dev.cifar10.backend.BackendChecks;
import dev.cifar10.backend.Backends;
import dev.cifar10.config.RunConfig;
import dev.cifar10.data.Cifar10;
import dev.cifar10.data.Cifar10Source;
import dev.cifar10.data.CifarBatches;
import dev.cifar10.data.PreparedData;
import dev.cifar10.model.NotebookCnn;
import dev.cifar10.util.HostInfo;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The notebook, as a Java program: load the data, standardise and split it, build the network,
 * fit it epoch by epoch with validation, evaluate on the test set, save everything.
 */
public final class Trainer {
    private final RunConfig config;
    private final Path cacheDir;
    private final PrintWriter console;

    public Trainer(RunConfig config, Path cacheDir, PrintWriter console) {
        this.config = config;
        this.cacheDir = cacheDir;
        this.console = console;
    }

    public History train(Path outDir) {
        BackendInfo backend = Backends.initialise(config.backendOptions());
        BackendChecks.requireSupported(backend, config);
        console.println(backend.banner());

        Cifar10 dataset = Cifar10Source.load(config.data(), cacheDir, config.maxTrainImages(), config.maxTestImages(), config.seed());
        PreparedData data = PreparedData.of(dataset, config.validationSplit(), config.seed());
        console.println("Data: " + data.summary());

        RunDirectory run = RunDirectory.create(outDir);
        Map<String, Object> runInfo = runInfo(backend, data);
        run.writeJson("run.json", runInfo);

        MultiLayerNetwork net = NotebookCnn.build(config.modelSettings());
        CifarBatches trainBatches = data.trainBatches(config.batchSize(), config.seed(), config.nd4jDataType());
        console.printf(Locale.ROOT, "Model: %,d parameters; %d epochs of %,d steps (batch %d); output in %s%n",
                net.numParams(), config.epochs(), trainBatches.batchesPerEpoch(), config.batchSize(), run.path());

        History history = fit(new EpochRunner(net, trainBatches, data.validationBatches(config.evalBatchSize(), config.nd4jDataType()), config.epochs(), ""),
                net, run);

        Evaluator.Result test = Evaluator.evaluate(net, data.testBatches(config.evalBatchSize(), config.nd4jDataType()));
        run.writeJson("test.json", testReport(test));
        printTest(test);

        runInfo.put("status", "completed");
        runInfo.put("finished", Instant.now().toString());
        runInfo.put("test", Map.of("loss", test.loss(), "accuracy", test.accuracy()));
        run.writeJson("run.json", runInfo);
        console.println("Saved: run.json history.csv history.json curves.png model.zip test.json in " + run.path());
        return history;
    }

    /** Keras's {@code fit(..., validation_data=...)}: one line per epoch; files refreshed after every epoch. */
    History fit(EpochRunner epochs, MultiLayerNetwork net, RunDirectory run) {
        History history = new History();
        for (int epoch = 1; epoch <= epochs.totalEpochs(); epoch++) {
            EpochStats stats = epochs.run(epoch);
            history.add(stats);
            console.println(stats.kerasLine(epochs.totalEpochs()));
            saveEpoch(run, net, history);
        }
        return history;
    }

    private void saveEpoch(RunDirectory run, MultiLayerNetwork net, History history) {
        run.writeText("history.csv", history.toCsv());
        run.writeJson("history.json", history.epochs());
        run.write("curves.png", out -> CurvesPlot.writePng(history, "CIFAR-10 dropout CNN (" + config.profile() + ")", out));
        run.writeModel("model.zip", net);
    }

    private Map<String, Object> runInfo(BackendInfo backend, PreparedData data) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("status", "running");
        info.put("started", Instant.now().toString());
        info.put("config", config.asMap());
        info.put("seed", config.seed());
        info.put("software", HostInfo.software());
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("backend", backend.backend());
        b.put("nativeVariant", backend.nativeVariant());
        b.put("layerHelpers", backend.helpers());
        b.putAll(backend.details());
        info.put("backend", b);
        info.put("hardware", Map.of("cpuModel", backend.cpu().model(), "logicalCores", backend.cpu().logicalCores(),
                "memoryBytes", HostInfo.totalMemoryBytes(), "host", HostInfo.hostName()));
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("source", data.data().source());
        d.put("trainingRecords", data.data().train().size());
        d.put("trainImages", data.split().train().length);
        d.put("validationImages", data.split().validation().length);
        d.put("testImages", data.data().test().size());
        d.put("channelMean", data.standardisation().mean());
        d.put("channelStd", data.standardisation().std());
        info.put("data", d);
        return info;
    }

    private static Map<String, Object> testReport(Evaluator.Result test) {
        Evaluation e = test.evaluation();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("loss", test.loss());
        report.put("accuracy", test.accuracy());
        report.put("images", e.getNumRowCounter());
        Map<String, Double> perClass = new LinkedHashMap<>();
        List<List<Integer>> confusion = new ArrayList<>();
        for (int actual = 0; actual < Cifar10.CLASSES; actual++) {
            int total = 0;
            List<Integer> row = new ArrayList<>();
            for (int predicted = 0; predicted < Cifar10.CLASSES; predicted++) {
                int count = e.getConfusionMatrix().getCount(actual, predicted);
                row.add(count);
                total += count;
            }
            confusion.add(row);
            perClass.put(Cifar10.CLASS_NAMES.get(actual), total == 0 ? Double.NaN : row.get(actual) / (double) total);
        }
        report.put("perClassAccuracy", perClass);
        report.put("classes", Cifar10.CLASS_NAMES);
        report.put("confusionMatrix", confusion);
        report.put("confusionMatrixLayout", "rows: actual class, columns: predicted class");
        return report;
    }

    private void printTest(Evaluator.Result test) {
        console.printf(Locale.ROOT, "Test: loss: %.4f - acc: %.4f (%,d images)%n", test.loss(), test.accuracy(),
                test.evaluation().getNumRowCounter());
        StringBuilder perClass = new StringBuilder("Per class:");
        var confusion = test.evaluation().getConfusionMatrix();
        for (int c = 0; c < Cifar10.CLASSES; c++) {
            int total = confusion.getActualTotal(c);
            perClass.append(String.format(Locale.ROOT, " %s %.2f", Cifar10.CLASS_NAMES.get(c),
                    total == 0 ? Double.NaN : confusion.getCount(c, c) / (double) total));
        }
        console.println(perClass);
        console.println("Confusion matrix (rows actual, columns predicted):");
        console.print(test.evaluation().confusionToString());
    }
}
