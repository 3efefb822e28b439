package dev.cifar10.model.tuned;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * Keras's {@code Conv2D(filters, 3x3, padding="same")}: DL4J's convolution layer configuration, unchanged
 * (same parameters, same JSON apart from the class name), built into a {@link Conv2DLayer}, which does
 * not compute the convolution twice per training step.
 *
 * <p>Relies on (DL4J M2.1): ConvolutionLayer.instantiate's wiring, repeated in LayerWiring.
 */
public class Conv2D extends ConvolutionLayer {

    public Conv2D(ConvolutionLayer.Builder builder) {
        super(builder);
    }

    /** For DL4J's JSON reader. */
    protected Conv2D() {
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        // as ConvolutionLayer.instantiate, with this project's layer class
        return LayerWiring.wire("ConvolutionLayer", new Conv2DLayer(conf, networkDataType), conf, listeners, layerIndex, layerParamsView,
                initializeParams, initializer());
    }
}
