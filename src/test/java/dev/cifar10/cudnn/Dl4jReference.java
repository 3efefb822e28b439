package dev.cifar10.cudnn;

import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.function.Supplier;

/** DL4J's own (built-in, no helper) layers on the CPU, as the reference the cuDNN path is checked against. */
final class Dl4jReference {
    private Dl4jReference() {
    }

    /** Builds with DL4J's layer helpers off (no oneDNN, no cuDNN class), then restores the switch. */
    static <T> T withoutHelpers(Supplier<T> build) {
        String before = System.getProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY);
        System.setProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, "true");
        try {
            return build.get();
        } finally {
            if (before == null) System.clearProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY);
            else System.setProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, before);
        }
    }

    /** The first layer of a network made of {@code layer} and a small output layer, DL4J's built-in implementation. */
    static Layer builtIn(org.deeplearning4j.nn.conf.layers.Layer layer, DataType dataType, CNN2DFormat format, int channels, int h, int w) {
        return withoutHelpers(() -> {
            MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(7).dataType(dataType).list()
                    .layer(layer)
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY).build())
                    .setInputType(InputType.convolutional(h, w, channels, format)).build());
            net.init();
            net.initGradientsView();
            return net.getLayer(0);
        });
    }

    /** The layer's output and its gradients for {@code epsilon}, copied out of DL4J's arrays. */
    record Pass(INDArray output, INDArray inputGradient, INDArray weightGradient, INDArray biasGradient) {
    }

    static Pass run(Layer layer, INDArray input, INDArray epsilon) {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(input, mgr);
        INDArray output = layer.activate(true, mgr).dup();
        var gradient = layer.backpropGradient(epsilon, mgr);
        INDArray w = gradient.getFirst().getGradientFor("W"), b = gradient.getFirst().getGradientFor("b");
        return new Pass(output, gradient.getSecond().dup(), w == null ? null : w.dup(), b == null ? null : b.dup());
    }

    /** max |actual - expected| / max |expected|, in double. */
    static double relativeError(INDArray actual, INDArray expected) {
        double scale = Math.max(expected.castTo(DataType.DOUBLE).amaxNumber().doubleValue(), 1e-12);
        return actual.castTo(DataType.DOUBLE).sub(expected.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() / scale;
    }
}
