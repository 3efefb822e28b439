package dev.cifar10.cudnn;

import java.util.Locale;

/**
 * How the cuDNN path chooses a convolution algorithm when the layer leaves the choice to it (DL4J's default
 * {@code cudnnAlgoMode} PREFER_FASTEST); system property {@value #PROPERTY}.
 *
 * <p>{@link #SEARCH}, the default, is PyTorch's {@code cudnn.benchmark}: time every algorithm once per
 * (pass, shapes, layout, data type, GPU) and keep the fastest for the life of the process. It fits this network:
 * its shapes are fixed (the training batch, the last partial batch, the evaluation batch), so each layer and pass
 * is searched two or three times per run, and a search (milliseconds per algorithm) costs far less than one
 * epoch, while cuDNN's heuristics can pick an algorithm several times slower than the fastest. The search waits
 * for the GPU, but only the first time a shape appears. {@link #HEURISTICS} asks cuDNN's heuristics instead
 * (nothing is timed; for shapes that change every step).
 */
public enum AlgorithmRule {
    SEARCH, HEURISTICS;

    public static final String PROPERTY = "cifar10.cudnn.algorithms";

    public static AlgorithmRule fromProperty() {
        String value = System.getProperty(PROPERTY, "search").trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "search" -> SEARCH;
            case "heuristics" -> HEURISTICS;
            default -> throw new IllegalArgumentException("Unknown cuDNN algorithm rule '" + value + "' in the system property "
                    + PROPERTY + "; use search or heuristics.");
        };
    }
}
