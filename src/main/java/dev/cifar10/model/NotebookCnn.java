package dev.cifar10.model;

import dev.cifar10.data.Cifar10;
import dev.cifar10.model.tuned.TunedLayers;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Locale;

/**
 * The Keras notebook's CIFAR-10 dropout CNN, layer for layer (814,122 parameters), in DL4J's own layers:
 *
 * <pre>
 * Conv2D(32, 3x3, same, relu)  Conv2D(32, 3x3, same, relu)  MaxPool(2x2)  Dropout(0.2)
 * Conv2D(64, 3x3, same, relu)  Conv2D(64, 3x3, same, relu)  MaxPool(2x2)  Dropout(0.2)
 * Conv2D(128,3x3, same, relu)  Conv2D(128,3x3, same, relu)  MaxPool(2x2)  Dropout(0.2)
 * Flatten  Dense(256, relu)  Dense(10, softmax)
 * Adam(lr=1e-4), sparse categorical cross-entropy
 * </pre>
 *
 * Keras-to-DL4J translations: glorot_uniform is XAVIER_UNIFORM with zero biases; Keras's Adam
 * epsilon is 1e-7 (DL4J's default is 1e-8); DL4J's dropout takes the probability to KEEP, so
 * Keras's Dropout(0.2) is Dropout(0.8). Sparse categorical cross-entropy on integer labels is
 * multi-class cross-entropy (MCXENT) on one-hot labels.
 *
 * <p>This is the network any DL4J program can open: images in as CIFAR-10 stores them, NCHW
 * ([n, 3, 32, 32]). What makes it faster on a backend (the {@link Layers#TUNED} layers, and NHWC for
 * oneDNN) is applied to this definition in one place, {@link TunedLayers}, and saved models are turned
 * back into this form ({@link SavedModels}).
 */
public final class NotebookCnn {
    public static final int HEIGHT = 32, WIDTH = 32, CHANNELS = 3;
    public static final double KERAS_ADAM_EPSILON = 1e-7;

    /** Which layer classes compute: DL4J's own, or this project's speed-only subclasses of them. */
    public enum Layers {
        /** DL4J's layers, as {@link #stockConfiguration} defines them: NCHW only. */
        STOCK,
        /** {@link TunedLayers}: the same operations with less repeated work, in NCHW or NHWC. */
        TUNED;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private NotebookCnn() {
    }

    /**
     * @param dropRate Keras's dropout rate (the fraction dropped), 0.2 in the notebook
     * @param layers   the layer classes
     * @param layout   the activations' layout inside the network (input is NCHW either way); NHWC needs {@link Layers#TUNED}
     */
    public record Settings(double learningRate, double dropRate, long seed, DataType dataType, WorkspaceMode workspaceMode,
                           Layers layers, CNN2DFormat layout) {
        public Settings {
            if (layers == Layers.STOCK && layout != CNN2DFormat.NCHW) {
                throw new IllegalArgumentException("DL4J's stock layers take NCHW images and compute in NCHW; "
                        + "computing in " + layout + " needs the tuned layers");
            }
        }

        /** The notebook's values, float, workspaces on, tuned layers in NHWC (the CPU's fastest form). */
        public static Settings notebook(long seed) {
            return new Settings(1e-4, 0.2, seed, DataType.FLOAT, WorkspaceMode.ENABLED, Layers.TUNED, CNN2DFormat.NHWC);
        }

        public Settings with(Layers layers, CNN2DFormat layout) {
            return new Settings(learningRate, dropRate, seed, dataType, workspaceMode, layers, layout);
        }
    }

    /** The tuned layers' layout on {@code backend} ("cpu" or "cuda") unless one is asked for: NHWC on the CPU (oneDNN's), NCHW on CUDA (cuDNN's fp32 fast path). */
    public static CNN2DFormat autoLayout(String backend) {
        return backend.equals("cuda") ? CNN2DFormat.NCHW : CNN2DFormat.NHWC;
    }

    /** The network in the form {@code s} asks for. */
    public static MultiLayerConfiguration configuration(Settings s) {
        MultiLayerConfiguration stock = stockConfiguration(s);
        return s.layers() == Layers.TUNED ? TunedLayers.tune(stock, s.layout()) : stock;
    }

    /** The definition: DL4J's own layers, NCHW. */
    public static MultiLayerConfiguration stockConfiguration(Settings s) {
        var layers = new NeuralNetConfiguration.Builder()
                .seed(s.seed())
                .dataType(s.dataType())
                .updater(new Adam(s.learningRate(), 0.9, 0.999, KERAS_ADAM_EPSILON))
                .weightInit(WeightInit.XAVIER_UNIFORM)
                .biasInit(0)
                .convolutionMode(ConvolutionMode.Same)
                .trainingWorkspaceMode(s.workspaceMode())
                .inferenceWorkspaceMode(s.workspaceMode())
                .list();
        for (int filters : new int[]{32, 64, 128}) {
            layers.layer(conv(filters)).layer(conv(filters))
                    .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                    .layer(new DropoutLayer(new Dropout(1.0 - s.dropRate())));
        }
        return layers
                .layer(new DenseLayer.Builder().nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(Cifar10.CLASSES).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(HEIGHT, WIDTH, CHANNELS, CNN2DFormat.NCHW))
                .build();
    }

    /** A new network in the form {@code settings} asks for, its weights drawn from the seed. */
    public static MultiLayerNetwork build(Settings settings) {
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(settings));
        net.init();
        if (settings.layers() == Layers.TUNED) TunedLayers.installUpdater(net);
        return net;
    }

    /**
     * {@code net} (this network, in any form: tuned or stock, NCHW or NHWC) in the form {@code layers}/{@code layout}, with
     * the same parameters and updater state; {@code net} itself when it is in that form already.
     */
    public static MultiLayerNetwork inForm(MultiLayerNetwork net, Layers layers, CNN2DFormat layout) {
        MultiLayerConfiguration stock = TunedLayers.stock(net.getLayerWiseConfigurations());
        MultiLayerConfiguration wanted = layers == Layers.TUNED ? TunedLayers.tune(stock, layout) : stock;
        MultiLayerNetwork result = wanted.toJson().equals(net.getLayerWiseConfigurations().toJson()) ? net : Layouts.convert(net, wanted);
        if (layers == Layers.TUNED) TunedLayers.installUpdater(result);
        return result;
    }

    private static ConvolutionLayer conv(int filters) {
        return new ConvolutionLayer.Builder(3, 3).nOut(filters).activation(Activation.RELU).build();
    }
}
