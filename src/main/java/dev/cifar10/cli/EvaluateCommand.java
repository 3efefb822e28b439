package dev.cifar10.cli;

import dev.cifar10.config.RunConfig;
import dev.cifar10.data.CifarBatches;
import dev.cifar10.run.EvaluationResult;
import dev.cifar10.model.NotebookCnn;
import dev.cifar10.run.OutputException;
import dev.cifar10.run.SavedModels;
import dev.cifar10.run.RunRecord;
import dev.cifar10.run.TestReport;
import dev.cifar10.startup.Startup;
import dev.cifar10.train.Evaluator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluates a trained model (a run directory written by train or by the Spark job) on the CIFAR-10 test set:",
                "loss, accuracy, per-class accuracy and confusion matrix, standardised with the run's own training statistics."})
public final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "RUN_DIR", description = "A run directory holding run.json and model.zip.")
    Path runDir;

    @Mixin
    TestDataOptions testData;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        Path cacheDir = common.apply();
        RunRecord record = RunRecord.read(runDir);
        RunConfig config = record.config().with(testData.overrides());
        Path model = runDir.resolve("model.zip");
        if (!Files.isRegularFile(model)) throw new OutputException("No model.zip in " + runDir + ": the run saved no model yet.");
        Startup.ForEvaluation started = Startup.startForEvaluation(config, cacheDir, spec.commandLine().getOut());
        NotebookCnn.Settings form = config.modelSettings(started.backend().backend());
        MultiLayerNetwork net = SavedModels.read(model, false, form.layers(), form.layout());
        EvaluationResult result = Evaluator.evaluate(net,
                CifarBatches.sequential(started.testSet(), record.data().standardisation(), config.evalBatchSize(), config.nd4jDataType()));
        TestReport.print(result, spec.commandLine().getOut());
        return 0;
    }

    /** Which test images: the run's own data, all its test records unless limited; flags from the setting declarations. */
    static final class TestDataOptions {
        private final SettingOptions flags = new SettingOptions();

        @Spec
        void addOptions(CommandSpec self) {
            flags.addTo(self, List.of(RunConfig.DATA, RunConfig.MAX_TEST),
                    s -> s == RunConfig.DATA ? "the run's own" : s.format(s.defaultValue()));
        }

        /** The run's settings to change for evaluation: the data if given, and every test record unless limited. */
        Map<String, String> overrides() {
            Map<String, String> overrides = new LinkedHashMap<>();
            overrides.put(RunConfig.MAX_TEST.key(), RunConfig.MAX_TEST.format(RunConfig.MAX_TEST.defaultValue()));
            overrides.putAll(flags.given());
            return overrides;
        }
    }
}
