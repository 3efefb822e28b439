package dev.cifar10.cli;

import dev.cifar10.backend.Backends;
import dev.cifar10.config.RunConfig;
import dev.cifar10.data.Cifar10;
import dev.cifar10.data.Cifar10Source;
import dev.cifar10.data.CifarBatches;
import dev.cifar10.run.EvaluationResult;
import dev.cifar10.run.OutputException;
import dev.cifar10.run.RunRecord;
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
        RunRecord record = RunRecord.read(runDir);
        RunConfig config = record.config();
        Path model = runDir.resolve("model.zip");
        if (!Files.isRegularFile(model)) throw new OutputException("No model.zip in " + runDir + ": the run saved no model yet.");
        Backends.initialise(config.backendOptions());
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
                CifarBatches.sequential(dataset.test(), record.data().standardisation(), config.evalBatchSize(), config.nd4jDataType()));
        TestReport.print(result, spec.commandLine().getOut());
        return 0;
    }
}
