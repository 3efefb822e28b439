package dev.cifar10.startup;

import dev.cifar10.backend.BackendInfo;
import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import dev.cifar10.backend.paths.ConvPath;
import dev.cifar10.backend.paths.ConvPaths;
import dev.cifar10.backend.paths.PathCheck;
import dev.cifar10.backend.paths.PathVerdicts;
import dev.cifar10.backend.paths.Verdict;
import dev.cifar10.config.ConfigException;
import dev.cifar10.config.RunConfig;
import dev.cifar10.data.Cifar10;
import dev.cifar10.data.Cifar10Source;
import dev.cifar10.data.LabeledImages;
import dev.cifar10.data.PreparedData;
import dev.cifar10.data.TrainValidationSplit;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * How every command starts, always in this order: the backend (native build chosen, GPU checked,
 * settings it cannot honour refused, banner printed), then the data (loaded, standardised, split,
 * summary printed); the run directory comes after, in the command. train, resume and bench take
 * both steps ({@link #start}); evaluate takes the backend and the test set; a command that only
 * looks at the machine takes {@link #backend} alone. Settings become backend options here, so
 * neither {@code config} nor {@code backend} knows the other.
 */
public final class Startup {
    private Startup() {
    }

    /** What a training command has once started. */
    public record Started(BackendInfo backend, PreparedData data) {
    }

    /** The backend, then the data the settings name, prepared as the notebook does. */
    public static Started start(RunConfig config, Path cacheDir, PrintWriter console) {
        BackendInfo backend = withConvPath(backend(config, console), config, cacheDir, console);
        Cifar10 dataset = Cifar10Source.load(config.data(), cacheDir, config.maxTrainImages(), config.maxTestImages(), config.seed());
        PreparedData data = PreparedData.of(dataset, config.validationSplit(), config.seed());
        checkSizes(config, data); // before any training: settings this data cannot satisfy
        console.println("Data: " + data.summary());
        return new Started(backend, data);
    }

    /** Settings this data cannot satisfy, refused before any training: no training image, or not one full batch. */
    static void checkSizes(RunConfig config, PreparedData prepared) {
        int batchSize = config.batchSize();
        double validationSplit = config.validationSplit();
        Cifar10 data = prepared.data();
        TrainValidationSplit split = prepared.split();
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

    /** The backend the settings ask for, started and checked against them; prints the banner. */
    public static BackendInfo backend(RunConfig config, PrintWriter console) {
        return backend(config, backendOptions(config), console);
    }

    /** What the settings ask of the backend; the Spark job hands the same to its executors. */
    public static BackendOptions backendOptions(RunConfig config) {
        BackendOptions options = new BackendOptions(config.backend(), config.cpuNatives(), config.helpers(), config.device(),
                config.workers(), config.maxDeviceMemoryMb());
        if (options.contradiction() != null) throw new ConfigException(options.contradiction());
        return options;
    }

    private static BackendInfo backend(RunConfig config, BackendOptions options, PrintWriter console) {
        BackendInfo backend = Backends.initialise(options);
        console.println(backend.banner());
        return backend;
    }

    /**
     * The convolution path the settings and the machine call for ({@link ConvPaths}), set for the network about to be built;
     * said on the console and kept in the backend's details (run.json, the bench record).
     */
    static BackendInfo withConvPath(BackendInfo backend, RunConfig config, Path cacheDir, PrintWriter console) {
        ConvPaths.Choice choice;
        try {
            choice = ConvPaths.choose(config.convPath(), config.helpers(), backend, new PathVerdicts(cacheDir),
                    () -> PathCheck.run(ConvPath.on(backend.backend()), PathCheck.Target.of(backend, config.cpuNatives(), PathCheck.Target.STEPS),
                            Verdict.Machine.of(backend), console), console);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        ConvPaths.apply(choice.path());
        console.println("Convolutions: " + choice.path().key() + " (" + choice.path().description() + "): " + choice.reason());
        return backend.withDetail("convPath", Map.of("path", choice.path().key(), "reason", choice.reason()));
    }

    /** The backend and the test set, for evaluating a saved model. */
    public record ForEvaluation(BackendInfo backend, LabeledImages testSet) {
    }

    /** evaluate's start: the backend, then only the test records the settings name (standardised later with the run's statistics). */
    public static ForEvaluation startForEvaluation(RunConfig config, Path cacheDir, PrintWriter console) {
        // a model trained on a named GPU still evaluates on a machine without it
        BackendInfo backend = withConvPath(backend(config, backendOptions(config).withoutInsisting(), console), config, cacheDir, console);
        Cifar10 dataset = Cifar10Source.load(config.data(), cacheDir, 1, config.maxTestImages(), config.seed());
        console.printf(Locale.ROOT, "Data: %s: %,d test records%n", dataset.source(), dataset.test().size());
        return new ForEvaluation(backend, dataset.test());
    }
}
