package dev.cifar10.cli;

import dev.cifar10.config.ConfigException;
import dev.cifar10.config.Profiles;
import dev.cifar10.config.RunConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The run settings shared by train and bench: a profile, and a flag to override each of its keys. */
public final class RunSettingsOptions {
    @Option(names = "--profile", paramLabel = "NAME|FILE", description = "Run profile: notebook (default), quick, smoke, bench, or a .properties file.")
    String profile;

    @Option(names = "--epochs", description = "Training epochs.")
    String epochs;
    @Option(names = "--batch-size", description = "Images per training step.")
    String batchSize;
    @Option(names = "--learning-rate", description = "Adam learning rate.")
    String learningRate;
    @Option(names = "--dropout", description = "Keras dropout rate (fraction dropped).")
    String dropout;
    @Option(names = "--validation-split", description = "Fraction of training records held out for validation.")
    String validationSplit;
    @Option(names = "--seed", description = "Seed of split, weights, dropout and shuffling.")
    String seed;
    @Option(names = "--data", paramLabel = "download|synthetic|DIR", description = "Where the images come from.")
    String data;
    @Option(names = "--max-train-images", description = "Use at most this many training records (0 = all).")
    String maxTrainImages;
    @Option(names = "--max-test-images", description = "Use at most this many test records (0 = all).")
    String maxTestImages;
    @Option(names = "--eval-batch-size", description = "Images per inference step in validation and test.")
    String evalBatchSize;
    @Option(names = "--cpu-natives", paramLabel = "auto|onednn|onednn-avx512", description = "Which oneDNN native build to load on CPU.")
    String cpuNatives;
    @Option(names = {"--no-helpers", "--no-cudnn"}, description = "Do not engage the oneDNN (CPU) / cuDNN (CUDA) layer helpers, for comparisons.")
    boolean noHelpers;
    @Option(names = "--data-type", paramLabel = "float|half", description = "Weights and activations type (half: CUDA only).")
    String dataType;
    @Option(names = "--workspace-mode", paramLabel = "ENABLED|NONE", description = "DL4J workspace mode.")
    String workspaceMode;
    @Option(names = "--backend", paramLabel = "auto|cpu|cuda", description = "auto (default): CUDA where it can run, else the CPU, saying why; "
            + "cpu: skip the GPU; cuda: insist on the GPU (exit 5 if it cannot run).")
    String backend;
    @Option(names = "--device", paramLabel = "auto|all|N", description = "GPUs (CUDA): auto (default) = the first supported GPU; all = every supported GPU; "
            + "N = GPU N as nvidia-smi numbers it (insist: exit 5 if it cannot run).")
    String device;
    @Option(names = "--max-device-memory-mb", paramLabel = "MiB", description = "ND4J device memory limit (CUDA); 0 = ND4J's default.")
    String maxDeviceMemoryMb;
    @Option(names = "--workers", paramLabel = "N", description = "Parallel trainers with DL4J's ParallelWrapper (parameter averaging); "
            + "0 = one (one per GPU with --device all). On CUDA, N uses up to N GPUs.")
    String workers;
    @Option(names = "--averaging-frequency", paramLabel = "STEPS", description = "With several workers: average parameters every STEPS steps.")
    String averagingFrequency;
    @Option(names = "--prefetch", paramLabel = "BATCHES", description = "With several workers: batches prepared ahead.")
    String prefetch;

    public RunConfig resolve(String defaultProfile) {
        String name = profile != null ? profile : defaultProfile;
        return RunConfig.resolve(name, Profiles.load(name), overrides());
    }

    /** The settings of the run in {@code runDir} (its run.json); of the flags only --epochs may change them. */
    public RunConfig resolveForResume(Path runDir) {
        Map<String, String> overrides = overrides();
        overrides.values().removeIf(java.util.Objects::isNull);
        overrides.remove("epochs");
        if (profile != null || !overrides.isEmpty()) {
            throw new ConfigException("--resume continues a run with its own settings; only --epochs may change. Remove "
                    + (profile != null ? "--profile " : "") + String.join(" ", overrides.keySet().stream().map(k -> "--" + k).toList()) + ".");
        }
        return RunConfig.fromRunJson(runDir, epochs);
    }

    private Map<String, String> overrides() {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("epochs", epochs);
        overrides.put("batch-size", batchSize);
        overrides.put("learning-rate", learningRate);
        overrides.put("dropout", dropout);
        overrides.put("validation-split", validationSplit);
        overrides.put("seed", seed);
        overrides.put("data", data);
        overrides.put("max-train-images", maxTrainImages);
        overrides.put("max-test-images", maxTestImages);
        overrides.put("eval-batch-size", evalBatchSize);
        overrides.put("cpu-natives", cpuNatives);
        overrides.put("helpers", noHelpers ? "false" : null);
        overrides.put("data-type", dataType);
        overrides.put("workspace-mode", workspaceMode);
        overrides.put("backend", backend);
        overrides.put("device", device);
        overrides.put("max-device-memory-mb", maxDeviceMemoryMb);
        overrides.put("workers", workers);
        overrides.put("averaging-frequency", averagingFrequency);
        overrides.put("prefetch", prefetch);
        return overrides;
    }
}
