package dev.cifar10.cudnn;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Which code computes DL4J's convolution and max-pooling layers on the CUDA backend, chosen with the system
 * property {@value #PROPERTY} (read by {@code org.deeplearning4j.cuda.convolution.CudnnHelpers#path()}).
 */
public enum ConvolutionPath {
    /** cuDNN called directly through JavaCPP ({@link CudnnConvolution}, {@link CudnnPooling}). */
    CUDNN("cudnn"),
    /** libnd4j's {@code conv2d}/{@code conv2d_bp}/{@code maxpool2d_bp} ops, which use cuDNN inside libnd4j where its checks allow. */
    LIBND4J("libnd4j"),
    /** No helper: DL4J's own im2col + cuBLAS convolution and its pooling ops. */
    BUILT_IN("built-in");

    public static final String PROPERTY = "cifar10.conv.path";

    private final String value;

    ConvolutionPath(String value) {
        this.value = value;
    }

    /** The property value that selects this path. */
    public String value() {
        return value;
    }

    /** The path a property value names; an unknown value is an error that lists the accepted ones. */
    public static ConvolutionPath parse(String value) {
        for (ConvolutionPath p : values()) {
            if (p.value.equalsIgnoreCase(value.trim())) return p;
        }
        throw new IllegalArgumentException("Unknown convolution path '" + value + "' in the system property " + PROPERTY
                + "; use one of " + Arrays.stream(values()).map(ConvolutionPath::value).collect(Collectors.joining(", ")) + ".");
    }
}
