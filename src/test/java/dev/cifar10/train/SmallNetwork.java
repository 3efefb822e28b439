package dev.cifar10.train;

import dev.cifar10.model.tuned.SoftmaxOutput;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** A network that takes CIFAR-10 batches and trains in milliseconds, for tests of the training loop rather than of the model. */
public final class SmallNetwork {
    private SmallNetwork() {
    }

    /** Dense 8 (ReLU) and a softmax output on 32x32x3 images, Adam, seed 1; initialised. */
    public static MultiLayerNetwork build() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3)).list()
                .layer(new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build())
                .layer(new SoftmaxOutput(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX)))
                .setInputType(InputType.convolutional(32, 32, 3)).build());
        net.init();
        return net;
    }
}
