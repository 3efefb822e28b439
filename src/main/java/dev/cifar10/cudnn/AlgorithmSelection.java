package dev.cifar10.cudnn;

import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;

/**
 * How one pass of one layer chooses its algorithm: DL4J's {@code cudnnAlgoMode} (with the algorithm the layer
 * names for USER_SPECIFIED) and, otherwise, the {@link AlgorithmRule}.
 *
 * @param algorithm the cuDNN algorithm value for {@link Mode#CONFIGURED}, else -1
 */
public record AlgorithmSelection(Mode mode, int algorithm) {
    public enum Mode {
        /** Time every algorithm once, take the fastest within the workspace limit. */
        SEARCH,
        /** cuDNN's heuristics' first choice within the workspace limit. */
        HEURISTICS,
        /** The fastest algorithm that needs no workspace (DL4J's NO_WORKSPACE). */
        NO_WORKSPACE,
        /** The algorithm the layer configuration names (DL4J's USER_SPECIFIED). */
        CONFIGURED
    }

    /**
     * @param configured the layer's {@code cudnnFwdAlgo}, {@code cudnnBwdDataAlgo} or {@code cudnnBwdFilterAlgo}, or null
     */
    public static AlgorithmSelection of(ConvolutionPass pass, AlgoMode mode, Enum<?> configured, AlgorithmRule rule) {
        if (mode == AlgoMode.USER_SPECIFIED && configured != null) {
            int value = pass.algorithmValue(configured.name());
            if (value < 0) {
                throw new IllegalArgumentException("The layer's cudnnAlgoMode USER_SPECIFIED names " + configured
                        + ", which is not a cuDNN " + pass + " algorithm.");
            }
            return new AlgorithmSelection(Mode.CONFIGURED, value);
        }
        if (mode == AlgoMode.NO_WORKSPACE) return new AlgorithmSelection(Mode.NO_WORKSPACE, -1);
        return new AlgorithmSelection(rule == AlgorithmRule.HEURISTICS ? Mode.HEURISTICS : Mode.SEARCH, -1);
    }
}
