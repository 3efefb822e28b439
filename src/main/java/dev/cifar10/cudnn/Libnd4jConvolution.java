package dev.cifar10.cudnn;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2DDerivative;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * DL4J's convolution layer on libnd4j's {@code conv2d} / {@code conv2d_bp} ops. On the {@code -cudnn} CUDA natives
 * libnd4j runs them with cuDNN where its platform checks allow (the forward pass in both layouts, the backward pass
 * in NCHW only; in NHWC the backward pass is im2col + cuBLAS), searching the algorithms and allocating the
 * workspace on every call. The same ops run on the CPU, which is how the tests check this class.
 */
public final class Libnd4jConvolution implements ConvolutionImplementation {
    private final DataType dataType;
    private OpContext forward, backward; // reused across steps, as DL4J's own helpers do
    private boolean inputGradientNeeded = true;

    public Libnd4jConvolution(DataType dataType) {
        this.dataType = dataType;
    }

    static boolean supported(DataType type) {
        return type == DataType.FLOAT || type == DataType.HALF || type == DataType.DOUBLE;
    }

    @Override
    public boolean checkSupported() {
        return supported(dataType);
    }

    @Override
    public void setInputGradientNeeded(boolean needed) {
        this.inputGradientNeeded = needed;
    }

    /** Top/left padding for "same" mode (libnd4j adds the rest at the bottom/right itself); the configured padding otherwise. */
    static int[] padding(int[] outSize, INDArray input, int[] kernel, int[] strides, int[] pad, ConvolutionMode mode, int[] dilation,
                         CNN2DFormat format) {
        if (mode != ConvolutionMode.Same) return pad;
        int h = format == CNN2DFormat.NCHW ? 2 : 1;
        return ConvolutionUtils.getSameModeTopLeftPadding(outSize, new int[]{(int) input.size(h), (int) input.size(h + 1)},
                kernel, strides, dilation);
    }

    static int[] outputSize(INDArray input, int[] kernel, int[] strides, int[] pad, ConvolutionMode mode, int[] dilation, CNN2DFormat format) {
        return ConvolutionUtils.getOutputSize(input, kernel, strides, mode == ConvolutionMode.Same ? null : pad, mode, dilation, format);
    }

    /** libnd4j's conv2d integer arguments, in its order. */
    private static void setArguments(OpContext context, int[] kernel, int[] strides, int[] pad, int[] dilation,
                                     ConvolutionMode mode, CNN2DFormat format) {
        context.setIArguments(kernel[0], kernel[1], strides[0], strides[1], pad[0], pad[1], dilation[0], dilation[1],
                mode == ConvolutionMode.Same ? 1 : 0,
                format == CNN2DFormat.NCHW ? 0 : 1,
                1); // weights format 1: [out, in, kH, kW], as DL4J keeps them
    }

    private static void run(OpContext context, DynamicCustomOp op, INDArray[] inputs, INDArray[] outputs) {
        for (int i = 0; i < inputs.length; i++) context.setInputArray(i, inputs[i]);
        for (int i = 0; i < outputs.length; i++) context.setOutputArray(i, outputs[i]);
        Nd4j.exec(op, context);
        context.purge();
    }

    @Override
    public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
                              AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation,
                              CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!supported(input.dataType())) return null;
        int[] outSize = outputSize(input, kernel, strides, pad, convolutionMode, dilation, format);
        int[] padding = padding(outSize, input, kernel, strides, pad, convolutionMode, dilation, format);
        long outChannels = weights.size(0);
        long[] outShape = format == CNN2DFormat.NCHW
                ? new long[]{input.size(0), outChannels, outSize[0], outSize[1]}
                : new long[]{input.size(0), outSize[0], outSize[1], outChannels};
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), outShape);
        INDArray[] inputs = bias == null ? new INDArray[]{input, weights} : new INDArray[]{input, weights, bias};
        if (forward == null) forward = Nd4j.getExecutioner().buildContext();
        setArguments(forward, kernel, strides, padding, dilation, convolutionMode, format);
        run(forward, new Conv2D(), inputs, new INDArray[]{out});
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta, int[] kernel,
                                                     int[] strides, int[] pad, INDArray biasGradView, INDArray weightGradView,
                                                     IActivation afn, AlgoMode mode, BwdFilterAlgo bwdFilterAlgo,
                                                     BwdDataAlgo bwdDataAlgo, ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!supported(input.dataType())) return null;
        int h = format == CNN2DFormat.NCHW ? 2 : 1;
        int[] outSize = {(int) delta.size(h), (int) delta.size(h + 1)};
        int[] padding = padding(outSize, input, kernel, strides, pad, convolutionMode, dilation, format);
        // conv2d_bp always writes the input gradient; when nobody reads it, into scratch memory
        INDArray inputGradient = workspaceMgr.createUninitialized(inputGradientNeeded ? ArrayType.ACTIVATION_GRAD : ArrayType.BP_WORKING_MEM,
                input.dataType(), input.shape());
        // delta is already the gradient at the pre-activation: ConvolutionLayer applies the activation's backprop first
        boolean withBias = bias != null && biasGradView != null;
        INDArray[] inputs = withBias ? new INDArray[]{input, weights, bias, delta} : new INDArray[]{input, weights, delta};
        INDArray[] outputs = withBias ? new INDArray[]{inputGradient, weightGradView, biasGradView.reshape(bias.shape())}
                : new INDArray[]{inputGradient, weightGradView};
        if (backward == null) backward = Nd4j.getExecutioner().buildContext();
        setArguments(backward, kernel, strides, padding, dilation, convolutionMode, format);
        run(backward, new Conv2DDerivative(), inputs, outputs);
        Gradient gradient = new DefaultGradient();
        if (withBias) gradient.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
        gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
        return new Pair<>(gradient, inputGradientNeeded ? inputGradient : null);
    }

    @Override
    public INDArray activate(INDArray z, IActivation afn, boolean training) {
        return afn.getActivation(z, training);
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Map.of();
    }
}
