package dev.cifar10.cudnn;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2DDerivative;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * Max and average pooling for DL4J's pooling layer on libnd4j's pooling ops (cuDNN inside libnd4j on the
 * {@code -cudnn} CUDA natives where its checks allow; the same ops run on the CPU).
 */
public final class Libnd4jPooling implements SubsamplingHelper {
    private final DataType dataType;

    public Libnd4jPooling(DataType dataType) {
        this.dataType = dataType;
    }

    @Override
    public boolean checkSupported() {
        return Libnd4jConvolution.supported(dataType);
    }

    private static Pooling2DConfig config(int[] kernel, int[] strides, int[] pad, int[] dilation, ConvolutionMode mode,
                                          CNN2DFormat format, PoolingType type) {
        Pooling2DConfig c = Pooling2DConfig.builder()
                .kH(kernel[0]).kW(kernel[1]).sH(strides[0]).sW(strides[1]).pH(pad[0]).pW(pad[1])
                .dH(dilation[0]).dW(dilation[1])
                .paddingMode(ConvolutionMode.mapToMode(mode))
                .isNHWC(format == CNN2DFormat.NHWC)
                .build();
        c.setType(type == PoolingType.MAX ? Pooling2D.Pooling2DType.MAX : Pooling2D.Pooling2DType.AVG);
        return c;
    }

    @Override
    public INDArray activate(INDArray input, boolean training, int[] kernel, int[] strides, int[] pad, PoolingType poolingType,
                             ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (poolingType != PoolingType.MAX && poolingType != PoolingType.AVG) return null; // SUM, PNORM: DL4J's own path
        int[] outSize = Libnd4jConvolution.outputSize(input, kernel, strides, pad, convolutionMode, dilation, format);
        int[] padding = Libnd4jConvolution.padding(outSize, input, kernel, strides, pad, convolutionMode, dilation, format);
        int c = format == CNN2DFormat.NCHW ? 1 : 3;
        long[] outShape = format == CNN2DFormat.NCHW
                ? new long[]{input.size(0), input.size(c), outSize[0], outSize[1]}
                : new long[]{input.size(0), outSize[0], outSize[1], input.size(c)};
        INDArray output = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), outShape);
        Nd4j.exec(new Pooling2D(input, output, config(kernel, strides, padding, dilation, convolutionMode, format, poolingType)));
        return output;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, int[] kernel, int[] strides, int[] pad,
                                                     PoolingType poolingType, ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (poolingType != PoolingType.MAX && poolingType != PoolingType.AVG) return null;
        int h = format == CNN2DFormat.NCHW ? 2 : 1;
        int[] padding = Libnd4jConvolution.padding(new int[]{(int) epsilon.size(h), (int) epsilon.size(h + 1)}, input, kernel, strides,
                pad, convolutionMode, dilation, format);
        INDArray inputGradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape());
        Nd4j.exec(new Pooling2DDerivative(input, epsilon, inputGradient,
                config(kernel, strides, padding, dilation, convolutionMode, format, poolingType)));
        return new Pair<>(new DefaultGradient(), inputGradient);
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Map.of();
    }
}
