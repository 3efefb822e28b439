package dev.cifar10.cudnn;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What a cuDNN 4-d tensor descriptor says ({@code cudnnSetTensor4dDescriptorEx}): the data type, the sizes in cuDNN's
 * N, C, H, W order and the stride of each of those dimensions in elements. The layout is in the strides alone: NHWC
 * is the same sizes with channel stride 1.
 */
public record TensorSpec(DataType dataType, int n, int c, int h, int w, int nStride, int cStride, int hStride, int wStride) {

    /** The fully packed tensor of that layout: NCHW strides (CHW, HW, W, 1) or NHWC strides (HWC, 1, WC, C). */
    public static TensorSpec packed(DataType dataType, CNN2DFormat layout, int n, int c, int h, int w) {
        return layout == CNN2DFormat.NCHW
                ? new TensorSpec(dataType, n, c, h, w, c * h * w, h * w, w, 1)
                : new TensorSpec(dataType, n, c, h, w, h * w * c, 1, w * c, c);
    }

    /** The layout these strides pack, or null when they pack neither. */
    public CNN2DFormat layout() {
        if (equals(packed(dataType, CNN2DFormat.NCHW, n, c, h, w))) return CNN2DFormat.NCHW;
        if (equals(packed(dataType, CNN2DFormat.NHWC, n, c, h, w))) return CNN2DFormat.NHWC;
        return null;
    }

    public int[] dims() {
        return new int[]{n, c, h, w};
    }

    public int[] strides() {
        return new int[]{nStride, cStride, hStride, wStride};
    }

    /** "[32, 3, 32, 32] NHWC float" */
    @Override
    public String toString() {
        CNN2DFormat layout = layout();
        return "[" + n + ", " + c + ", " + h + ", " + w + "] " + (layout != null ? layout.name()
                : "strides [" + nStride + ", " + cStride + ", " + hStride + ", " + wStride + "]") + " " + dataType.name().toLowerCase();
    }
}
