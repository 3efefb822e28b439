package dev.cifar10.model.tuned;

import org.deeplearning4j.cuda.convolution.CudnnConvolutionHelper;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's convolution layer, minus work it repeats on every training step when a helper (oneDNN on
 * the CPU, cuDNN on the GPU) computes the convolution:
 *
 * <ul>
 * <li><b>The pre-activation is kept for backprop.</b> DL4J's backprop needs z (before the ReLU) and
 * computes it again, running the whole convolution a second time. Here the training forward pass keeps
 * z, used by the backprop that follows on the same input and then let go. With this project's {@link Relu}
 * the activation is written into a new array, so z is kept as it is; any other activation overwrites z, so a
 * copy is kept. (DL4J's
 * {@code CacheMode} does the same but never lets go: a later backprop on another input could read a
 * stale z.)</li>
 * <li><b>No input gradient in the first layer</b> (CUDA's helper classes): nothing reads it, so the helper is told to
 * skip it (unless the layer's own input dropout needs it).</li>
 * <li><b>No NCHW copy of an NHWC input.</b> DL4J's {@code preOutput} copies an NHWC input to NCHW and, with
 * a helper, uses the copy only to read the input's height and width; here they are read from the input.</li>
 * </ul>
 *
 * The arithmetic is DL4J's: the same helper call on the same arrays. Without a helper everything is
 * DL4J's own path (im2col), unchanged.
 *
 * <p>Relies on (DL4J M2.1): ConvolutionLayer.backpropGradient asking preOutput(true, true, ...) for z, and its protected helper, helperCountFail and convolutionMode fields.
 */
public class Conv2DLayer extends ConvolutionLayer {
    private INDArray keptPreActivation;   // z of the last training forward pass
    private INDArray keptFor;             // the input (after any input dropout) it was computed from

    public Conv2DLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private boolean helperInUse() {
        return helper != null && (helperCountFail == 0 || !layerConf().isCudnnAllowFallback()) && hasBias();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        keptPreActivation = keptFor = null;
        if (!training || !helperInUse()) {
            return super.activate(training, workspaceMgr);
        }
        if (input == null) {
            throw new IllegalArgumentException("Cannot perform forward pass with null input " + layerId());
        }
        applyDropOutIfNecessary(true, workspaceMgr);
        INDArray z = preOutput(true, false, workspaceMgr).getFirst();
        keptFor = input;
        if (layerConf().getActivationFn() instanceof Relu relu) {   // ReLU into a new array: z stays as it is
            keptPreActivation = z;
            return relu.activate(z, workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, z.dataType(), z.shape(), z.ordering()));
        }
        keptPreActivation = workspaceMgr.dup(ArrayType.ACTIVATIONS, z);   // the activation below overwrites z
        return helper.activate(z, layerConf().getActivationFn(), true);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (helper instanceof CudnnConvolutionHelper cuda) {
            // the first layer's input gradient is read by nobody (MultiLayerNetwork drops it), unless its own dropout needs it
            cuda.setInputGradientNeeded(getIndex() != 0 || layerConf().getIDropout() != null);
        }
        try {
            return super.backpropGradient(epsilon, workspaceMgr);
        } finally {
            keptPreActivation = keptFor = null;
        }
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        if (!helperInUse()) {
            return super.preOutput(training, forBackprop, workspaceMgr);
        }
        if (forBackprop && keptPreActivation != null && keptFor == input) {
            return new Pair<>(keptPreActivation, null);
        }
        if (layerConf().getCnn2dDataFormat() != CNN2DFormat.NHWC) {
            return super.preOutput(training, forBackprop, workspaceMgr);
        }
        assertInputSet(false);
        validateInputRank();
        INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
        INDArray bias = getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, workspaceMgr);
        validateInputDepth(weights.size(1));
        INDArray in = input.castTo(dataType);

        int[] kernel = layerConf().getKernelSize();
        int[] strides = layerConf().getStride();
        int[] dilation = layerConf().getDilation();
        int[] pad = layerConf().getPadding();
        if (convolutionMode == ConvolutionMode.Same) {
            int[] outSize = ConvolutionUtils.getOutputSize(in, kernel, strides, null, convolutionMode, dilation, CNN2DFormat.NHWC);
            pad = ConvolutionUtils.getSameModeTopLeftPadding(outSize, new int[]{(int) in.size(1), (int) in.size(2)},
                    kernel, strides, dilation);
        }
        INDArray z;
        try {
            z = helper.preOutput(in, weights, bias, kernel, strides, pad, layerConf().getCudnnAlgoMode(),
                    layerConf().getCudnnFwdAlgo(), convolutionMode, dilation, CNN2DFormat.NHWC, workspaceMgr);
        } catch (RuntimeException e) {
            z = null;   // DL4J's own path below tries the helper again and handles the failure its way (log, fallback)
        }
        return z != null ? new Pair<>(z, null) : super.preOutput(training, forBackprop, workspaceMgr);
    }
}
