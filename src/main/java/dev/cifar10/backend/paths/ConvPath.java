package dev.cifar10.backend.paths;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Which code computes the network's convolutions and pooling. */
public enum ConvPath {
    /** This project's cuDNN helpers: cuDNN called directly, algorithms chosen once per shape, one workspace per device. */
    CUDNN("cudnn", "cuda", "cuDNN, called by this project's helpers"),
    /** libnd4j's cuDNN platform ops, through this project's helper classes (cuDNN for the forward pass; NCHW backward too). */
    LIBND4J("libnd4j", "cuda", "libnd4j's cuDNN ops"),
    /** oneDNN, through DL4J's own MKLDNN helpers. */
    ONEDNN("onednn", "cpu", "oneDNN, through DL4J's helpers"),
    /** DL4J's own im2col + GEMM: no helper; the reference the others are checked against. */
    BUILT_IN("built-in", null, "DL4J's built-in im2col + GEMM");

    private final String key, backend, description;

    ConvPath(String key, String backend, String description) {
        this.key = key;
        this.backend = backend;
        this.description = description;
    }

    public String key() {
        return key;
    }

    public String description() {
        return description;
    }

    /** Whether this path can run on {@code backend} ("cpu" or "cuda"). */
    public boolean runsOn(String backend) {
        return this.backend == null || this.backend.equals(backend);
    }

    /** The paths of {@code backend}, fastest expected first, the built-in reference last. */
    public static List<ConvPath> on(String backend) {
        return Arrays.stream(values()).filter(p -> p.runsOn(backend)).toList();
    }

    public static ConvPath of(String key) {
        return Arrays.stream(values()).filter(p -> p.key.equals(key.toLowerCase(Locale.ROOT))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no convolution path '" + key + "'"));
    }

    /** "cudnn, libnd4j, built-in": the keys of {@link #on}'s paths. */
    public static String keysOn(String backend) {
        return String.join(", ", on(backend).stream().map(ConvPath::key).toList());
    }
}
