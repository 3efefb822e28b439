package dev.cifar10.cudnn;

import java.util.List;

/**
 * The three cuDNN convolution passes that each choose an algorithm, with cuDNN's algorithm names in the order of
 * its enum values ({@code cudnnConvolutionFwdAlgo_t}, {@code cudnnConvolutionBwdDataAlgo_t},
 * {@code cudnnConvolutionBwdFilterAlgo_t}); DL4J's {@code FwdAlgo}, {@code BwdDataAlgo} and {@code BwdFilterAlgo}
 * list the same names in the same order, so a DL4J algorithm's ordinal is cuDNN's value.
 */
public enum ConvolutionPass {
    FORWARD("forward", List.of("IMPLICIT_GEMM", "IMPLICIT_PRECOMP_GEMM", "GEMM", "DIRECT", "FFT", "FFT_TILING", "WINOGRAD",
            "WINOGRAD_NONFUSED")),
    BACKWARD_DATA("backward data", List.of("ALGO_0", "ALGO_1", "FFT", "FFT_TILING", "WINOGRAD", "WINOGRAD_NONFUSED")),
    BACKWARD_FILTER("backward filter", List.of("ALGO_0", "ALGO_1", "FFT", "ALGO_3", "WINOGRAD", "WINOGRAD_NONFUSED", "FFT_TILING"));

    private final String description;
    private final List<String> algorithms;

    ConvolutionPass(String description, List<String> algorithms) {
        this.description = description;
        this.algorithms = algorithms;
    }

    /** How many algorithms cuDNN 8.3 has for this pass (its {@code _ALGO_COUNT}). */
    public int algorithmCount() {
        return algorithms.size();
    }

    public String algorithmName(int algorithm) {
        return algorithm >= 0 && algorithm < algorithms.size() ? algorithms.get(algorithm) : "algorithm " + algorithm;
    }

    /** The value of the algorithm named {@code name} (DL4J's enum constant name), or -1. */
    public int algorithmValue(String name) {
        return algorithms.indexOf(name);
    }

    @Override
    public String toString() {
        return description;
    }
}
