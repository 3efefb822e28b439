package dev.cifar10.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Every setting of a run, resolved from a profile (profiles/NAME.properties) and the command line
 * (which wins), and validated once, before any work starts.
 */
public record RunConfig(
        String profile,
        int epochs,
        int batchSize,
        double learningRate,
        double dropout,
        double validationSplit,
        long seed,
        String data,
        int maxTrainImages,
        int maxTestImages,
        int evalBatchSize,
        String cpuNatives,
        boolean helpers,
        String dataType,
        String workspaceMode,
        String cudnnAlgoMode,
        int device,
        long maxDeviceMemoryMb,
        int workers,
        int averagingFrequency,
        int prefetch) {

    static final Setting<Integer> EPOCHS = Setting.integer("epochs", 1, 10_000, "training epochs");
    static final Setting<Integer> BATCH_SIZE = Setting.integer("batch-size", 1, 8192, "images per training step");
    static final Setting<Double> LEARNING_RATE = Setting.real("learning-rate", 0, true, 1000, true, "Adam learning rate");
    static final Setting<Double> DROPOUT = Setting.real("dropout", 0, false, 1, true, "Keras dropout rate: the fraction of activations dropped");
    static final Setting<Double> VALIDATION_SPLIT = Setting.real("validation-split", 0, true, 1, true, "fraction of the training records held out for validation");
    static final Setting<Long> SEED = Setting.anyLong("seed", "seed of the split, the weights, dropout and shuffling");
    static final Setting<String> DATA = Setting.text("data", "download, synthetic, or a directory in CIFAR-10's binary layout");
    static final Setting<Integer> MAX_TRAIN = Setting.integer("max-train-images", 0, dev.cifar10.data.LabeledImages.MAX_IMAGES, "use at most this many training records, 0 for all");
    static final Setting<Integer> MAX_TEST = Setting.integer("max-test-images", 0, dev.cifar10.data.LabeledImages.MAX_IMAGES, "use at most this many test records, 0 for all");
    static final Setting<Integer> EVAL_BATCH = Setting.integer("eval-batch-size", 1, 8192, "images per inference step in validation and test");
    static final Setting<String> CPU_NATIVES = Setting.oneOf("cpu-natives", List.of("auto", "onednn", "onednn-avx512"), "which oneDNN native build to load on CPU");
    static final Setting<Boolean> HELPERS = Setting.bool("helpers", "engage the oneDNN/cuDNN layer helpers");

    static final Setting<String> DATA_TYPE = Setting.oneOf("data-type", List.of("float", "half"), "floating-point type of weights and activations (half: CUDA only)");
    static final Setting<String> WORKSPACE_MODE = Setting.oneOf("workspace-mode", List.of("ENABLED", "NONE"), "DL4J workspace mode for training and inference");
    static final Setting<String> CUDNN_ALGO_MODE = Setting.oneOf("cudnn-algo-mode", List.of("PREFER_FASTEST", "NO_WORKSPACE"), "cuDNN algorithm choice of the convolution layers (CUDA)");
    static final Setting<Integer> DEVICE = Setting.integer("device", -1, 63, "GPU index (CUDA), -1 for the first supported GPU");
    static final Setting<Integer> MAX_DEVICE_MEMORY = Setting.integer("max-device-memory-mb", 0, 10_000_000, "ND4J device memory limit in MiB (CUDA), 0 for ND4J's default");

    static final Setting<Integer> WORKERS = Setting.integer("workers", 0, 64, "parallel trainers (ParallelWrapper); 0: one per selected GPU on CUDA, 1 on CPU");
    static final Setting<Integer> AVERAGING_FREQUENCY = Setting.integer("averaging-frequency", 1, 10_000, "with several workers: average parameters every this many steps");
    static final Setting<Integer> PREFETCH = Setting.integer("prefetch", 1, 256, "with several workers: batches prepared ahead");

    static final List<Setting<?>> ALL = List.of(EPOCHS, BATCH_SIZE, LEARNING_RATE, DROPOUT, VALIDATION_SPLIT, SEED, DATA,
            MAX_TRAIN, MAX_TEST, EVAL_BATCH, CPU_NATIVES, HELPERS, DATA_TYPE, WORKSPACE_MODE, CUDNN_ALGO_MODE, DEVICE, MAX_DEVICE_MEMORY,
            WORKERS, AVERAGING_FREQUENCY, PREFETCH);

    /**
     * @param profileName where the profile came from, for messages
     * @param profile     the profile's key/values
     * @param overrides   command-line values (null values are ignored)
     */
    public static RunConfig resolve(String profileName, Properties profile, Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        for (String key : profile.stringPropertyNames()) {
            if (ALL.stream().noneMatch(s -> s.key().equals(key))) {
                throw new ConfigException("Unknown key '" + key + "' in profile " + profileName + ". Known keys: " + keys() + ".");
            }
            values.put(key, profile.getProperty(key));
            sources.put(key, "profile " + profileName);
        }
        overrides.forEach((key, value) -> {
            if (value != null) {
                values.put(key, value);
                sources.put(key, "--" + key);
            }
        });
        for (Setting<?> s : ALL) {
            if (!values.containsKey(s.key())) {
                throw new ConfigException("Profile " + profileName + " does not set '" + s.key() + "' (" + s.description()
                        + "; " + s.allowed() + "). Add it to the profile or pass --" + s.key() + ".");
            }
        }
        Parser p = new Parser(values, sources);
        return new RunConfig(profileName, p.get(EPOCHS), p.get(BATCH_SIZE), p.get(LEARNING_RATE), p.get(DROPOUT),
                p.get(VALIDATION_SPLIT), p.get(SEED), p.get(DATA), p.get(MAX_TRAIN), p.get(MAX_TEST), p.get(EVAL_BATCH),
                p.get(CPU_NATIVES), p.get(HELPERS), p.get(DATA_TYPE), p.get(WORKSPACE_MODE), p.get(CUDNN_ALGO_MODE),
                p.get(DEVICE), p.get(MAX_DEVICE_MEMORY), p.get(WORKERS), p.get(AVERAGING_FREQUENCY), p.get(PREFETCH));
    }

    /** The settings a run recorded in its run.json ("config"), with an optional new epoch count. */
    public static RunConfig fromRunJson(java.nio.file.Path runDir, String epochsOverride) {
        java.nio.file.Path file = runDir.resolve("run.json");
        Properties p = new Properties();
        String profile;
        try {
            var config = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile()).get("config");
            if (config == null) throw new java.io.IOException("no \"config\" object");
            profile = config.path("profile").asText("resumed");
            config.fields().forEachRemaining(e -> {
                if (!e.getKey().equals("profile")) p.setProperty(e.getKey(), e.getValue().asText());
            });
        } catch (java.io.IOException | RuntimeException e) {
            throw new ConfigException("Cannot read the settings of the run to resume from " + file + ": " + e.getMessage()
                    + ". Point --resume at a run directory written by train.");
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put(EPOCHS.key(), epochsOverride);
        return resolve(profile, p, overrides);
    }

    static String keys() {
        return String.join(", ", ALL.stream().map(Setting::key).toList());
    }

    /** Key/value view, as written to run.json and in profile files. */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("profile", profile);
        m.put(EPOCHS.key(), epochs);
        m.put(BATCH_SIZE.key(), batchSize);
        m.put(LEARNING_RATE.key(), learningRate);
        m.put(DROPOUT.key(), dropout);
        m.put(VALIDATION_SPLIT.key(), validationSplit);
        m.put(SEED.key(), seed);
        m.put(DATA.key(), data);
        m.put(MAX_TRAIN.key(), maxTrainImages);
        m.put(MAX_TEST.key(), maxTestImages);
        m.put(EVAL_BATCH.key(), evalBatchSize);
        m.put(CPU_NATIVES.key(), cpuNatives);
        m.put(HELPERS.key(), helpers);
        m.put(DATA_TYPE.key(), dataType);
        m.put(WORKSPACE_MODE.key(), workspaceMode);
        m.put(CUDNN_ALGO_MODE.key(), cudnnAlgoMode);
        m.put(DEVICE.key(), device);
        m.put(MAX_DEVICE_MEMORY.key(), maxDeviceMemoryMb);
        m.put(WORKERS.key(), workers);
        m.put(AVERAGING_FREQUENCY.key(), averagingFrequency);
        m.put(PREFETCH.key(), prefetch);
        return m;
    }

    public dev.cifar10.backend.BackendOptions backendOptions() {
        return new dev.cifar10.backend.BackendOptions(cpuNatives, helpers, device, maxDeviceMemoryMb);
    }

    public org.nd4j.linalg.api.buffer.DataType nd4jDataType() {
        return dataType.equals("half") ? org.nd4j.linalg.api.buffer.DataType.HALF : org.nd4j.linalg.api.buffer.DataType.FLOAT;
    }

    public dev.cifar10.model.NotebookCnn.Settings modelSettings() {
        return new dev.cifar10.model.NotebookCnn.Settings(learningRate, dropout, seed, nd4jDataType(),
                org.deeplearning4j.nn.conf.WorkspaceMode.valueOf(workspaceMode),
                org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode.valueOf(cudnnAlgoMode));
    }

    private record Parser(Map<String, String> values, Map<String, String> sources) {
        <T> T get(Setting<T> s) {
            return s.parse(values.get(s.key()), sources.get(s.key()));
        }
    }
}
