package dev.cifar10.model;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's convolution layer, minus a copy it makes on every call in NHWC.
 *
 * <p>DL4J M2.1's {@code ConvolutionLayer.preOutput} first copies an NHWC input to NCHW, then, when a
 * helper (oneDNN, cuDNN) computes the convolution, hands the helper the original input and uses the copy
 * only to read the input's height and width. It runs twice a training step, in the forward pass and
 * again in backprop (where, with {@code CacheMode.DEVICE}, it then returns the kept pre-activation):
 * 10% of a CPU training step went to those copies. Here, in NHWC with a helper, the sizes come from the
 * NHWC input itself and nothing is copied. Everything else, including the fallback to DL4J's own
 * im2col code when there is no helper, is DL4J's.
 */
public class Conv2DLayer extends ConvolutionLayer {

    public Conv2DLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        boolean helperInUse = helper != null && (helperCountFail == 0 || !layerConf().isCudnnAllowFallback());
        if (!helperInUse || layerConf().getCnn2dDataFormat() != CNN2DFormat.NHWC || !hasBias()) {
            return super.preOutput(training, forBackprop, workspaceMgr);
        }
        if (forBackprop && preOutput != null) {
            return new Pair<>(preOutput, null);   // this step's forward pass kept it (CacheMode.DEVICE)
        }
        assertInputSet(false);
        validateInputRank();
        INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
        INDArray bias = getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, workspaceMgr);
        validateInputDepth(weights.size(1));
        INDArray input = this.input.castTo(dataType);

        int[] kernel = layerConf().getKernelSize();
        int[] strides = layerConf().getStride();
        int[] dilation = layerConf().getDilation();
        int[] pad = layerConf().getPadding();
        if (convolutionMode == ConvolutionMode.Same) {
            int[] outSize = ConvolutionUtils.getOutputSize(input, kernel, strides, null, convolutionMode, dilation, CNN2DFormat.NHWC);
            pad = ConvolutionUtils.getSameModeTopLeftPadding(outSize, new int[]{(int) input.size(1), (int) input.size(2)},
                    kernel, strides, dilation);
        }
        INDArray z;
        try {
            z = helper.preOutput(input, weights, bias, kernel, strides, pad, layerConf().getCudnnAlgoMode(),
                    layerConf().getCudnnFwdAlgo(), convolutionMode, dilation, CNN2DFormat.NHWC, workspaceMgr);
        } catch (RuntimeException e) {
            z = null;   // DL4J's own path below tries the helper again and handles the failure its way (log, fallback)
        }
        return z != null ? new Pair<>(z, null) : super.preOutput(training, forBackprop, workspaceMgr);
    }
}
