package dev.cifar10.model.tuned;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.Collection;

/**
 * Keras's {@code Dense(10, activation="softmax")} with its loss: DL4J's output layer configuration,
 * unchanged (same parameters, same JSON apart from the class name), built into a
 * {@link SoftmaxOutputLayer}, which computes its logits once per training step instead of twice.
 *
 * <p>Only softmax with cross-entropy ({@code MCXENT}, or its subclasses {@code NEGATIVELOGLIKELIHOOD} and
 * {@code SPARSE_MCXENT}; this project's progress bar counts accuracy from one-hot labels only): that
 * loss's gradient leaves the logits as they are, so backprop's copy can be reused for the score. Other
 * losses (MSE with tanh, say) overwrite them in place during backprop, and the score would be wrong.
 *
 * <p>Relies on (DL4J M2.1): OutputLayer.instantiate's wiring, repeated in LayerWiring.
 */
public class SoftmaxOutput extends OutputLayer {

    public SoftmaxOutput(OutputLayer.Builder builder) {
        super(builder);
        requireSoftmaxCrossEntropy();
    }

    /** For DL4J's JSON reader. */
    protected SoftmaxOutput() {
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        requireSoftmaxCrossEntropy();   // also for a configuration read from JSON
        // as OutputLayer.instantiate, with this project's layer class
        return LayerWiring.wire("OutputLayer", new SoftmaxOutputLayer(conf, networkDataType), conf, listeners, layerIndex, layerParamsView,
                initializeParams, initializer());
    }

    private void requireSoftmaxCrossEntropy() {
        if (!(getActivationFn() instanceof ActivationSoftmax) || !(getLossFn() instanceof LossMCXENT)) {
            throw new IllegalArgumentException("SoftmaxOutput needs activation SOFTMAX with loss MCXENT, "
                    + "NEGATIVELOGLIKELIHOOD or SPARSE_MCXENT, got activation " + getActivationFn() + " with loss " + getLossFn()
                    + "; use DL4J's OutputLayer for other combinations");
        }
    }
}
