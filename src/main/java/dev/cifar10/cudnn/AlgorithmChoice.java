package dev.cifar10.cudnn;

/**
 * An algorithm a pass can run with, as chosen for an {@link AlgorithmKey}.
 *
 * @param mathType       the {@code cudnnMathType_t} set on the pass's convolution descriptor
 * @param workspaceBytes what it needs ({@code cudnnGetConvolution*WorkspaceSize})
 * @param milliseconds   its time in the search, or -1 when it was not timed
 * @param source         "search", "heuristics" or "layer configuration"
 */
public record AlgorithmChoice(ConvolutionPass pass, int algorithm, int mathType, long workspaceBytes, float milliseconds, String source) {

    /** "IMPLICIT_PRECOMP_GEMM (0.052 ms, workspace 1.2 MiB, search)" */
    @Override
    public String toString() {
        return pass.algorithmName(algorithm) + (mathType != CudnnApi.DEFAULT_MATH ? " math type " + mathType : "") + " ("
                + (milliseconds >= 0 ? String.format("%.3f ms, ", milliseconds) : "") + "workspace " + Workspaces.format(workspaceBytes)
                + ", " + source + ")";
    }
}
