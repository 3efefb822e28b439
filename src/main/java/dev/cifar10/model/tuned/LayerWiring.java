package dev.cifar10.model.tuned;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * What a DL4J layer configuration's {@code instantiate} does with a new layer, for this project's layer classes.
 *
 * <p>Relies on (DL4J M2.1): the order of {@code ConvolutionLayer.instantiate} and {@code OutputLayer.instantiate} (size
 * check, listeners, index, parameter view, parameter table, configuration).
 */
final class LayerWiring {
    private LayerWiring() {
    }

    /** @param dl4jType the DL4J layer type named in a size error, as DL4J's own {@code instantiate} names it */
    static <L extends Layer> L wire(String dl4jType, L layer, NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                    int layerIndex, INDArray layerParamsView, boolean initializeParams, ParamInitializer initializer) {
        FeedForwardLayer sizes = (FeedForwardLayer) conf.getLayer();
        LayerValidation.assertNInNOutSet(dl4jType, sizes.getLayerName(), layerIndex, sizes.getNIn(), sizes.getNOut());
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        layer.setParamTable(initializer.init(conf, layerParamsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }
}
