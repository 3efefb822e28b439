package dev.cifar10.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cifar10.backend.Backends;
import dev.cifar10.config.RunConfig;
import dev.cifar10.data.Cifar10;
import dev.cifar10.data.Cifar10Source;
import dev.cifar10.data.CifarBatches;
import dev.cifar10.data.Standardisation;
import dev.cifar10.run.EvaluationResult;
import dev.cifar10.run.OutputException;
import dev.cifar10.run.RunDirectory;
import dev.cifar10.run.TestReport;
import dev.cifar10.train.Evaluator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluates a trained model (a run directory written by train or by the Spark job) on the CIFAR-10 test set:",
                "loss, accuracy, per-class accuracy and confusion matrix, standardised with the run's own training statistics."})
public final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "RUN_DIR", description = "A run directory holding run.json and model.zip.")
    Path runDir;

    @Option(names = "--data", paramLabel = "download|synthetic|DIR", description = "Test images (default: the run's own data setting).")
    String data;

    @Option(names = "--max-test-images", defaultValue = "0", description = "Use at most this many test records (0 = all).")
    int maxTestImages;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        Path cacheDir = common.apply();
        RunConfig config = RunConfig.fromRunJson(runDir, null);
        Standardisation standardisation = statistics(runDir.resolve("run.json"));
        Path model = runDir.resolve("model.zip");
        if (!Files.isRegularFile(model)) throw new OutputException("No model.zip in " + runDir + ": the run saved no model yet.");
        Backends.initialise(config.backendOptions().withoutInsisting());
        MultiLayerNetwork net;
        try {
            net = ModelSerializer.restoreMultiLayerNetwork(model.toFile(), false);
        } catch (IOException | RuntimeException e) {
            throw new OutputException("Cannot load " + model + ": " + e.getMessage());
        }
        String source = data != null ? data : config.data();
        Cifar10 dataset = Cifar10Source.load(source, cacheDir, 1,
                maxTestImages, config.seed());
        EvaluationResult result = Evaluator.evaluate(net,
                CifarBatches.sequential(dataset.test(), standardisation, config.evalBatchSize(), config.nd4jDataType()));
        TestReport.print(result, spec.commandLine().getOut());
        return 0;
    }

    /** The training set's channel statistics, as the run recorded them: test images must be standardised the same way. */
    static Standardisation statistics(Path runJson) {
        try {
            JsonNode d = RunDirectory.JSON.readTree(runJson.toFile()).path("data");
            double[] mean = RunDirectory.JSON.treeToValue(d.get("channelMean"), double[].class);
            double[] std = RunDirectory.JSON.treeToValue(d.get("channelStd"), double[].class);
            if (mean == null || std == null || mean.length != 3 || std.length != 3) throw new IOException("no channel statistics");
            return new Standardisation(mean, std);
        } catch (IOException | RuntimeException e) {
            throw new OutputException("Cannot read the training statistics from " + runJson + ": " + e.getMessage());
        }
    }
}
