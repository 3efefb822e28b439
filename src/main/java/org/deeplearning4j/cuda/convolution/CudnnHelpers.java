package org.deeplearning4j.cuda.convolution;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What the two helpers share: the on/off switch, the data types cuDNN takes, "same" padding. */
public final class CudnnHelpers {
    /** Set to "false" to keep DL4J's built-in convolution and pooling (for comparisons). */
    public static final String ENABLED_PROPERTY = "cifar10.cudnn.helpers";

    private CudnnHelpers() {
    }

    public static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty(ENABLED_PROPERTY, "true"));
    }

    public static boolean supported(DataType type) {
        return type == DataType.FLOAT || type == DataType.HALF || type == DataType.DOUBLE;
    }

    /** DL4J passes {@code new Object[]{args}} to CUDA helpers' constructors; the data type is its first element. */
    public static DataType dataTypeOf(Object[] arguments) {
        for (Object o : arguments) {
            if (o instanceof DataType t) return t;
            if (o instanceof Object[] nested) return dataTypeOf(nested);
        }
        return DataType.FLOAT;
    }

    /** Top/left padding for "same" mode; explicit padding otherwise. */
    public static int[] padding(int[] outSize, INDArray input, int[] kernel, int[] strides, int[] pad, ConvolutionMode mode,
                         int[] dilation, CNN2DFormat format) {
        if (mode != ConvolutionMode.Same) return pad;
        int h = format == CNN2DFormat.NCHW ? 2 : 1;
        return ConvolutionUtils.getSameModeTopLeftPadding(outSize, new int[]{(int) input.size(h), (int) input.size(h + 1)},
                kernel, strides, dilation);
    }

    public static int[] outputSize(INDArray input, int[] kernel, int[] strides, int[] pad, ConvolutionMode mode, int[] dilation,
                            CNN2DFormat format) {
        return ConvolutionUtils.getOutputSize(input, kernel, strides, mode == ConvolutionMode.Same ? null : pad, mode, dilation, format);
    }
}
