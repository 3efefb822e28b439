package dev.cifar10.cudnn;

import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;

/** A convolution path behind DL4J's helper class: DL4J's helper interface, plus skipping the input gradient. */
public interface ConvolutionImplementation extends ConvolutionHelper {
    /**
     * False: {@code backpropGradient} may skip the gradient with respect to the layer's input and return null in
     * its place (the first layer's: nothing reads it). True by default.
     */
    void setInputGradientNeeded(boolean needed);
}
