package dev.cifar10.model;

import dev.cifar10.data.Cifar10;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
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

/**
 * The Keras notebook's CIFAR-10 dropout CNN, layer for layer (814,122 parameters):
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
 * epsilon is 1e-7 (DL4J's default is 1e-8); DL4J's DropoutLayer takes the probability to KEEP,
 * so Keras's Dropout(0.2) is DropoutLayer(0.8). Sparse categorical cross-entropy on integer labels
 * is multi-class cross-entropy (MCXENT) on one-hot labels.
 *
 * <p>For speed on the CPU (docs/where-the-time-goes.md), with the same operations: the layers compute
 * in NHWC, oneDNN's layout ({@link ChannelsLast} converts the NCHW input once); convolutions are
 * {@link Conv2D}, DL4J's layer keeping its pre-activation for backprop instead of computing the
 * convolution again, and without a copy per call; ReLU is {@link Relu}, DL4J's with a vectorised
 * backward pass; dropout is {@link InvertedDropout}, DL4J's with the mask drawn in Java; the output
 * layer is {@link SoftmaxOutput}, DL4J's computing its logits once per training step.
 * NHWC changes the order in which Flatten lists the last pooling layer's outputs, so the dense layer's
 * initial weights meet the features in another order: same distribution, another draw.
 */
public final class NotebookCnn {
    static final int HEIGHT = 32, WIDTH = 32, CHANNELS = 3;
    public static final double KERAS_ADAM_EPSILON = 1e-7;

    private NotebookCnn() {
    }

    /**
     * @param dropRate Keras's dropout rate (the fraction dropped), 0.2 in the notebook
     */
    public record Settings(double learningRate, double dropRate, long seed, DataType dataType, WorkspaceMode workspaceMode) {
        /** The notebook's values, float, workspaces on. */
        public static Settings notebook(long seed) {
            return new Settings(1e-4, 0.2, seed, DataType.FLOAT, WorkspaceMode.ENABLED);
        }
    }

    public static MultiLayerConfiguration configuration(Settings s) {
        double keep = 1.0 - s.dropRate();
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
        layers.inputPreProcessor(0, new ChannelsLast());   // NCHW images in, NHWC inside: oneDNN's layout
        for (int filters : new int[]{32, 64, 128}) {
            layers.layer(conv(filters)).layer(conv(filters))
                    .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                    .layer(new DropoutLayer(new InvertedDropout(keep)));
        }
        return layers
                .layer(new DenseLayer.Builder().nOut(256).activation(new Relu()).build())
                .layer(new SoftmaxOutput(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(Cifar10.CLASSES).activation(Activation.SOFTMAX)))
                .setInputType(InputType.convolutional(HEIGHT, WIDTH, CHANNELS))
                .build();
    }

    public static MultiLayerNetwork build(Settings settings) {
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(settings));
        net.init();
        StandardPathUpdater.install(net);
        return net;
    }

    private static ConvolutionLayer conv(int filters) {
        return new Conv2D(new ConvolutionLayer.Builder(3, 3).nOut(filters).activation(new Relu()));
    }
}
