package dev.cifar10.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.cifar10.data.LabeledImages;
import dev.cifar10.model.NotebookCnn;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Every setting of a run, resolved from the defaults (the notebook's recipe), a profile
 * (profiles/NAME.properties, which states only what differs) and the command line (which wins),
 * and validated once, before any work starts.
 *
 * <p>The settings are declared here, once each. A new setting is one {@code declare(...)} line:
 * its flag, its profile key, its place in run.json and its help come from it; read it with
 * {@link #get} (or add an accessor).
 */
public final class RunConfig {
    private static final List<Setting<?>> DECLARED = new ArrayList<>();

    public static final Setting<Integer> EPOCHS = declare(Setting.integer("epochs", 1, 10_000, 30, "training epochs"));
    public static final Setting<Integer> BATCH_SIZE = declare(Setting.integer("batch-size", 1, 8192, 32, "images per training step"));
    public static final Setting<Double> LEARNING_RATE = declare(Setting.real("learning-rate", 0, true, 1e6, false, 1e-4,
            "Adam learning rate"));
    public static final Setting<Double> DROPOUT = declare(Setting.real("dropout", 0, false, 1, true, 0.2,
            "Keras dropout rate: the fraction of activations dropped"));
    public static final Setting<Double> VALIDATION_SPLIT = declare(Setting.real("validation-split", 0, true, 1, true, 0.3,
            "fraction of the training records held out for validation"));
    public static final Setting<Long> SEED = declare(Setting.anyLong("seed", 777, "seed of the split, the weights, dropout and shuffling"));
    public static final Setting<String> DATA = declare(Setting.text("data", "download|synthetic|DIR",
            "download, synthetic or a directory", "download",
            "where the images come from: the official archive (downloaded once), built-in synthetic images, "
                    + "or a directory in CIFAR-10's binary layout"));
    public static final Setting<Integer> MAX_TRAIN = declare(Setting.integer("max-train-images", 0, LabeledImages.MAX_IMAGES, 0,
            "use at most this many training records, 0 for all"));
    public static final Setting<Integer> MAX_TEST = declare(Setting.integer("max-test-images", 0, LabeledImages.MAX_IMAGES, 0,
            "use at most this many test records, 0 for all"));
    public static final Setting<Integer> EVAL_BATCH = declare(Setting.integer("eval-batch-size", 1, 8192, 256,
            "images per inference step in validation and test"));
    public static final Setting<String> CPU_NATIVES = declare(Setting.oneOf("cpu-natives", List.of("auto", "onednn", "onednn-avx512"),
            "auto", "which oneDNN native build to load on CPU (auto: AVX-512 where the CPU has it)"));
    public static final Setting<Boolean> HELPERS = declare(Setting.bool("helpers", true,
            "engage the oneDNN (CPU) / cuDNN (CUDA) layer helpers; off only for comparisons").alias("cudnn"));
    public static final Setting<String> DATA_TYPE = declare(Setting.oneOf("data-type", List.of("float", "half"), "float",
            "floating-point type of weights and activations (half is refused: see the error it gives)"));
    public static final Setting<String> CONV_PATH = declare(Setting.oneOf("conv-path", List.of("auto", "cudnn", "libnd4j", "onednn", "built-in"),
            "auto", "the code that computes convolutions and pooling: auto = oneDNN on the CPU, on CUDA the fastest path verified on this "
                    + "GPU (checked once, each path in a process of its own); cudnn = this project's cuDNN helpers; libnd4j = libnd4j's "
                    + "cuDNN ops; built-in = DL4J's im2col + GEMM"));
    public static final Setting<String> LAYERS = declare(Setting.oneOf("layers", List.of("tuned", "stock"), "tuned",
            "tuned: the project's speed-only subclasses of DL4J's layers; stock: DL4J's own layers (NCHW), the same network"));
    public static final Setting<String> LAYOUT = declare(Setting.oneOf("layout", List.of("auto", "nchw", "nhwc"), "auto",
            "the activations' layout inside the network: auto = NHWC on the CPU (oneDNN's), NCHW on CUDA (cuDNN's fp32 fast path)"));
    public static final Setting<String> WORKSPACE_MODE = declare(Setting.oneOf("workspace-mode", List.of("ENABLED", "NONE"), "ENABLED",
            "DL4J workspace mode for training and inference"));
    public static final Setting<String> BACKEND = declare(Setting.oneOf("backend", List.of("auto", "cpu", "cuda"), "auto",
            "auto: CUDA where it can run, else the CPU, saying why; cpu: skip the GPU; cuda: insist on the GPU (exit 5 if it cannot run)"));
    public static final Setting<String> DEVICE = declare(Setting.device("device", "auto",
            "GPUs (CUDA): auto = the first supported GPU; all = every supported GPU; N = GPU N as nvidia-smi numbers it "
                    + "(insist: exit 5 if it cannot run)"));
    public static final Setting<Integer> MAX_DEVICE_MEMORY = declare(Setting.integer("max-device-memory-mb", 0, 10_000_000, 0,
            "ND4J device memory limit in MiB (CUDA), 0 for ND4J's default"));
    public static final Setting<Integer> WORKERS = declare(Setting.integer("workers", 0, 64, 0,
            "parallel trainers (DL4J ParallelWrapper, parameter averaging); 0: one (one per GPU with device all); on CUDA N uses up to N GPUs"));
    public static final Setting<Integer> AVERAGING_FREQUENCY = declare(Setting.integer("averaging-frequency", 1, 10_000, 3,
            "with several workers: average parameters every this many steps"));
    public static final Setting<Integer> PREFETCH = declare(Setting.integer("prefetch", 1, 256, 8,
            "with several workers: batches prepared ahead"));

    /** Every setting, in the order of help, profiles and run.json. */
    public static final List<Setting<?>> SETTINGS = Collections.unmodifiableList(DECLARED);

    private static <T> Setting<T> declare(Setting<T> setting) {
        DECLARED.add(setting);
        return setting;
    }

    private final String profile;
    private final Map<Setting<?>, Object> values;

    private RunConfig(String profile, Map<Setting<?>, Object> values) {
        this.profile = profile;
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * @param profileName where the profile came from, for messages
     * @param profile     the profile's key/values: only what differs from the defaults
     * @param overrides   command-line values by key (null values are ignored)
     */
    public static RunConfig resolve(String profileName, Properties profile, Map<String, String> overrides) {
        return resolve(profileName, "profile " + profileName, profile, overrides);
    }

    private static RunConfig resolve(String profileName, String profileSource, Properties profile, Map<String, String> overrides) {
        for (String key : profile.stringPropertyNames()) {
            if (find(key) == null) {
                throw new ConfigException("Unknown key '" + key + "' in " + profileSource + ". Known keys: " + keys() + ".");
            }
        }
        Map<Setting<?>, Object> values = new LinkedHashMap<>();
        for (Setting<?> s : SETTINGS) {
            String override = overrides.get(s.key());
            Object value = override != null ? s.parse(override, "--" + s.key())
                    : profile.containsKey(s.key()) ? s.parse(profile.getProperty(s.key()), profileSource)
                    : s.defaultValue();
            values.put(s, value);
        }
        return refuseContradictions(new RunConfig(profileName, values), profileSource);
    }

    /** Settings that parse but cannot train: refused with the reason, before any work. */
    private static RunConfig refuseContradictions(RunConfig c, String source) {
        if (c.dataType().equals("half")) {
            throw new ConfigException("--data-type half is refused: DL4J keeps Adam's moments in the parameters' type, so in half precision "
                    + "squared gradients below about 6e-8 flush to zero and each step becomes about lr*m/epsilon, a step that ignores the "
                    + "gradient's scale; training does not converge. Mixed precision (fp32 master weights and Adam state, loss scaling, as "
                    + "Keras's mixed_float16 and PyTorch's AMP do) is not implemented. Use --data-type float.");
        }
        if (c.layers().equals("stock") && c.layout().equals("nhwc")) {
            throw new ConfigException("--layers stock with --layout nhwc (from " + source + " or the command line): DL4J's stock layers take "
                    + "NCHW images and compute in NCHW; NHWC needs the tuned layers. Use --layout nchw or auto, or --layers tuned.");
        }
        return c;
    }

    /** The settings a run recorded (run.json's "config": the profile's name and every key), validated as a profile's. */
    @JsonCreator
    public static RunConfig fromRecorded(Map<String, Object> recorded) {
        return fromRecorded(recorded, Map.of());
    }

    /** These settings with some changed ({@code overrides}: key to value; null values are ignored), validated again. */
    public RunConfig with(Map<String, String> overrides) {
        return fromRecorded(asMap(), overrides);
    }

    private static RunConfig fromRecorded(Map<String, Object> recorded, Map<String, String> overrides) {
        Properties values = new Properties();
        recorded.forEach((key, value) -> {
            if (!key.equals("profile") && value != null) values.setProperty(key, String.valueOf(value));
        });
        // runs recorded before --backend: cudnn-algo-mode was retired (it changed nothing), device -1 meant the default
        values.remove("cudnn-algo-mode");
        if ("-1".equals(values.getProperty(DEVICE.key()))) values.setProperty(DEVICE.key(), "auto");
        String profile = String.valueOf(recorded.getOrDefault("profile", "recorded"));
        return resolve(profile, "the run's recorded settings", values, overrides);
    }

    /** The declared setting with this key, or null. */
    public static Setting<?> find(String key) {
        return SETTINGS.stream().filter(s -> s.key().equals(key)).findFirst().orElse(null);
    }

    static String keys() {
        return String.join(", ", SETTINGS.stream().map(Setting::key).toList());
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        return (T) values.get(setting);
    }

    /** Key/value view, as written to run.json: the profile's name, then every setting. */
    @JsonValue
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("profile", profile);
        values.forEach((setting, value) -> m.put(setting.key(), value));
        return m;
    }

    public String profile() {
        return profile;
    }

    public int epochs() {
        return get(EPOCHS);
    }

    public int batchSize() {
        return get(BATCH_SIZE);
    }

    public double learningRate() {
        return get(LEARNING_RATE);
    }

    public double dropout() {
        return get(DROPOUT);
    }

    public double validationSplit() {
        return get(VALIDATION_SPLIT);
    }

    public long seed() {
        return get(SEED);
    }

    public String data() {
        return get(DATA);
    }

    public int maxTrainImages() {
        return get(MAX_TRAIN);
    }

    public int maxTestImages() {
        return get(MAX_TEST);
    }

    public int evalBatchSize() {
        return get(EVAL_BATCH);
    }

    public String cpuNatives() {
        return get(CPU_NATIVES);
    }

    public boolean helpers() {
        return get(HELPERS);
    }

    public String dataType() {
        return get(DATA_TYPE);
    }

    public String backend() {
        return get(BACKEND);
    }

    /** "auto", "all" or a GPU index. */
    public String device() {
        return get(DEVICE);
    }

    public long maxDeviceMemoryMb() {
        return get(MAX_DEVICE_MEMORY);
    }

    public int workers() {
        return get(WORKERS);
    }

    public int averagingFrequency() {
        return get(AVERAGING_FREQUENCY);
    }

    public int prefetch() {
        return get(PREFETCH);
    }

    /** "auto" or a convolution path's key. */
    public String convPath() {
        return get(CONV_PATH);
    }

    public String layers() {
        return get(LAYERS);
    }

    /** "auto", "nchw" or "nhwc". */
    public String layout() {
        return get(LAYOUT);
    }

    /** The layout the network computes in on {@code backend} ("cpu" or "cuda"): the setting, or for auto the backend's fastest. */
    public CNN2DFormat layoutOn(String backend) {
        return switch (layout()) {
            case "nchw" -> CNN2DFormat.NCHW;
            case "nhwc" -> CNN2DFormat.NHWC;
            default -> layers().equals("stock") ? CNN2DFormat.NCHW : NotebookCnn.autoLayout(backend);
        };
    }

    public DataType nd4jDataType() {
        return DataType.FLOAT;   // half is refused, see refuseContradictions
    }

    /** The network's settings for a run on {@code backend} ("cpu" or "cuda"). */
    public NotebookCnn.Settings modelSettings(String backend) {
        return new NotebookCnn.Settings(learningRate(), dropout(), seed(), nd4jDataType(), WorkspaceMode.valueOf(get(WORKSPACE_MODE)),
                NotebookCnn.Layers.valueOf(layers().toUpperCase(java.util.Locale.ROOT)), layoutOn(backend));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RunConfig c && c.profile.equals(profile) && c.values.equals(values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(profile, values);
    }

    @Override
    public String toString() {
        return asMap().toString();
    }
}
