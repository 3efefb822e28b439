package dev.cifar10.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * Keras's {@code Dense(10, activation="softmax")} with its loss: DL4J's output layer configuration,
 * unchanged (same parameters, same JSON apart from the class name), built into a
 * {@link SoftmaxOutputLayer}, which computes its logits once per training step instead of twice.
 */
public class SoftmaxOutput extends OutputLayer {

    public SoftmaxOutput(OutputLayer.Builder builder) {
        super(builder);
    }

    /** For DL4J's JSON reader. */
    protected SoftmaxOutput() {
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        // as OutputLayer.instantiate, with this project's layer class
        return LayerWiring.wire(new SoftmaxOutputLayer(conf, networkDataType), conf, listeners, layerIndex, layerParamsView,
                initializeParams, initializer());
    }
}
