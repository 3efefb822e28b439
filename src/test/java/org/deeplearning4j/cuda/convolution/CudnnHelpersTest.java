package org.deeplearning4j.cuda.convolution;

import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import org.deeplearning4j.config.DL4JClassLoading;
import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.cuda.convolution.subsampling.CudnnSubsamplingHelper;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The cuDNN helpers run libnd4j's conv2d / pooling ops; on CPU the same ops run too, so here they
 * are checked against DL4J's built-in im2col convolution and pooling on random inputs: outputs
 * and every gradient within a relative error of 1e-4.
 */
class CudnnHelpersTest {
    static final double TOLERANCE = 1e-4;

    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults());
        Nd4j.getRandom().setSeed(42);
    }

    static double relativeError(INDArray actual, INDArray expected) {
        double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-12);
        return actual.castTo(DataType.DOUBLE).sub(expected.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() / scale;
    }

    /** A network whose first layer is {@code layer}, built with DL4J's helpers off: the built-in implementation. */
    static Layer builtIn(org.deeplearning4j.nn.conf.layers.Layer layer, int channels, int size) {
        String before = System.getProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY);
        System.setProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, "true");
        try {
            MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.FLOAT).list()
                    .layer(layer)
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY).build())
                    .setInputType(InputType.convolutional(size, size, channels)).build());
            net.init();
            net.initGradientsView(); // normally done by the first fit()
            return net.getLayer(0);
        } finally {
            System.setProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, before == null ? "false" : before);
        }
    }

    @ParameterizedTest(name = "{0} channels -> {1}, kernel {2}, stride {3}, {4}")
    @CsvSource({"3, 8, 3, 1, Same", "8, 16, 3, 1, Same", "4, 6, 3, 2, Truncate", "5, 7, 5, 1, Same"})
    void convolutionMatchesDl4jBuiltIn(int in, int out, int k, int s, ConvolutionMode mode) {
        int size = 12, batch = 3;
        Layer reference = builtIn(new ConvolutionLayer.Builder(k, k).stride(s, s).nOut(out).convolutionMode(mode)
                .activation(Activation.IDENTITY).build(), in, size);
        assertNull(((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) reference).getHelper(), "reference must be the built-in path");
        INDArray input = Nd4j.randn(DataType.FLOAT, batch, in, size, size);
        INDArray w = reference.getParam("W"), b = reference.getParam("b");
        b.assign(Nd4j.randn(DataType.FLOAT, b.shape()));

        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        reference.setInput(input, mgr);
        INDArray expectedOut = reference.activate(true, mgr).dup();
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, expectedOut.shape());
        Pair<Gradient, INDArray> expected = reference.backpropGradient(epsilon, mgr);
        INDArray expectedW = expected.getFirst().getGradientFor("W").dup(), expectedB = expected.getFirst().getGradientFor("b").dup();
        INDArray expectedInput = expected.getSecond().dup();

        CudnnConvolutionHelper helper = new CudnnConvolutionHelper(DataType.FLOAT);
        assertTrue(helper.checkSupported());
        int[] kernel = {k, k}, strides = {s, s}, pad = {0, 0}, dilation = {1, 1};
        INDArray out2 = helper.preOutput(input, w, b, kernel, strides, pad, null, null, mode, dilation, CNN2DFormat.NCHW, mgr);
        assertArrayEquals(expectedOut.shape(), out2.shape());
        assertTrue(relativeError(out2, expectedOut) < TOLERANCE, "forward error " + relativeError(out2, expectedOut));

        INDArray wGrad = Nd4j.zeros(DataType.FLOAT, w.shape()), bGrad = Nd4j.zeros(DataType.FLOAT, b.shape());
        Pair<Gradient, INDArray> actual = helper.backpropGradient(input, w, b, epsilon, kernel, strides, pad, bGrad, wGrad,
                Activation.IDENTITY.getActivationFunction(), null, null, null, mode, dilation, CNN2DFormat.NCHW, mgr);
        assertTrue(relativeError(actual.getSecond(), expectedInput) < TOLERANCE, "input gradient error " + relativeError(actual.getSecond(), expectedInput));
        assertTrue(relativeError(wGrad, expectedW) < TOLERANCE, "weight gradient error " + relativeError(wGrad, expectedW));
        assertTrue(relativeError(bGrad, expectedB) < TOLERANCE, "bias gradient error " + relativeError(bGrad, expectedB));
        assertSame(wGrad, actual.getFirst().getGradientFor("W"));
    }

    @ParameterizedTest(name = "{0} pooling {1}x{1} stride {2}, {3}")
    @CsvSource({"MAX, 2, 2, Same", "MAX, 3, 2, Truncate", "AVG, 2, 2, Truncate"})
    void poolingMatchesDl4jBuiltIn(PoolingType type, int k, int s, ConvolutionMode mode) {
        int size = 10, channels = 4;
        Layer reference = builtIn(new SubsamplingLayer.Builder(type).kernelSize(k, k).stride(s, s).convolutionMode(mode).build(), channels, size);
        INDArray input = Nd4j.randn(DataType.FLOAT, 2, channels, size, size);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        reference.setInput(input, mgr);
        INDArray expectedOut = reference.activate(true, mgr).dup();
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, expectedOut.shape());
        INDArray expectedInputGrad = reference.backpropGradient(epsilon, mgr).getSecond().dup();

        CudnnSubsamplingHelper helper = new CudnnSubsamplingHelper(DataType.FLOAT);
        int[] kernel = {k, k}, strides = {s, s}, pad = {0, 0}, dilation = {1, 1};
        INDArray out = helper.activate(input, true, kernel, strides, pad, type, mode, dilation, CNN2DFormat.NCHW, mgr);
        assertTrue(relativeError(out, expectedOut) < TOLERANCE, "forward error " + relativeError(out, expectedOut));
        INDArray inputGrad = helper.backpropGradient(input, epsilon, kernel, strides, pad, type, mode, dilation, CNN2DFormat.NCHW, mgr).getSecond();
        assertTrue(relativeError(inputGrad, expectedInputGrad) < TOLERANCE, "input gradient error " + relativeError(inputGrad, expectedInputGrad));
    }

    @Test
    void dl4jCanInstantiateThemTheWayItDoesOnCuda() {
        // HelperUtils.createHelper on CUDA: createNewInstance(name, superclass, new Object[]{arguments})
        Object[] arguments = {DataType.FLOAT};
        ConvolutionHelper conv = DL4JClassLoading.createNewInstance(
                "org.deeplearning4j.cuda.convolution.CudnnConvolutionHelper", ConvolutionHelper.class, new Object[]{arguments});
        SubsamplingHelper pool = DL4JClassLoading.createNewInstance(
                "org.deeplearning4j.cuda.convolution.subsampling.CudnnSubsamplingHelper", SubsamplingHelper.class, new Object[]{arguments});
        assertTrue(conv.checkSupported() && pool.checkSupported());
        System.setProperty(CudnnHelpers.ENABLED_PROPERTY, "false");
        try {
            assertFalse(conv.checkSupported(), "--no-cudnn switches them off");
            assertFalse(pool.checkSupported());
        } finally {
            System.clearProperty(CudnnHelpers.ENABLED_PROPERTY);
        }
        assertFalse(new CudnnConvolutionHelper(DataType.INT).checkSupported());
    }
}
