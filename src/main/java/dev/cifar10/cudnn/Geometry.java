package dev.cifar10.cudnn;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Sizes, padding and memory layout, as cuDNN sees them. */
final class Geometry {
    private Geometry() {
    }

    /**
     * The symmetric padding {height, width} cuDNN needs to compute what DL4J's {@code mode} computes, or null when it
     * cannot: "same" mode with more padding at the bottom or right than at the top or left (an odd total, e.g. a 2x2/2
     * pooling of an odd size, or a 2x2 convolution), and causal mode. The caller then declines and DL4J's own code runs.
     *
     * @param pad the padding DL4J configures (Truncate and Strict modes)
     */
    static int[] symmetricPadding(ConvolutionMode mode, int[] pad, int inH, int inW, int[] kernel, int[] strides, int[] dilation) {
        int[] padding;
        if (mode == ConvolutionMode.Same) {
            int[] in = {inH, inW};
            int[] out = {ceilDiv(inH, strides[0]), ceilDiv(inW, strides[1])};
            int[] topLeft = ConvolutionUtils.getSameModeTopLeftPadding(out, in, kernel, strides, dilation);
            int[] bottomRight = ConvolutionUtils.getSameModeBottomRightPadding(out, in, kernel, strides, dilation);
            // an odd total puts the extra row/column at the bottom/right; cuDNN pads both sides alike (and with the
            // smaller padding would produce one row/column less), so such a call is declined
            if (topLeft[0] != bottomRight[0] || topLeft[1] != bottomRight[1]) return null;
            padding = topLeft;
        } else if (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) {
            padding = new int[]{pad[0], pad[1]};
        } else {
            return null;
        }
        if (outputSize(inH, kernel[0], strides[0], padding[0], dilation[0]) < 1
                || outputSize(inW, kernel[1], strides[1], padding[1], dilation[1]) < 1) return null;
        return padding;
    }

    /** cuDNN's output size: (in + 2 pad - dilated kernel) / stride + 1, rounded down. */
    static int outputSize(int in, int kernel, int stride, int pad, int dilation) {
        int span = in + 2 * pad - ((kernel - 1) * dilation + 1);
        return span < 0 ? 0 : span / stride + 1;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** N, C, H, W of a rank-4 activation in {@code layout}, or null when a size does not fit cuDNN's int. */
    static int[] nchw(INDArray a, CNN2DFormat layout) {
        if (a.rank() != 4) return null;
        long[] s = a.shape();
        long[] nchw = layout == CNN2DFormat.NCHW ? s : new long[]{s[0], s[3], s[1], s[2]};
        long elements = 1;
        for (long d : nchw) elements *= d;
        if (elements > Integer.MAX_VALUE) return null;   // cuDNN's 4-d descriptors take int sizes and strides
        return new int[]{(int) nchw[0], (int) nchw[1], (int) nchw[2], (int) nchw[3]};
    }

    /** The activation shape of N, C, H, W in {@code layout}. */
    static long[] shape(CNN2DFormat layout, int n, int c, int h, int w) {
        return layout == CNN2DFormat.NCHW ? new long[]{n, c, h, w} : new long[]{n, h, w, c};
    }

    /** The activation shape of a descriptor's sizes in {@code layout}. */
    static long[] shape(CNN2DFormat layout, TensorSpec t) {
        return shape(layout, t.n(), t.c(), t.h(), t.w());
    }

    /**
     * True when {@code a}'s memory is its shape packed in C order: each dimension's stride is the product of the
     * sizes after it (dimensions of size 1, whose stride never matters, are not compared). An activation in C order
     * is its layout packed, which is what the cuDNN path's descriptors describe.
     */
    static boolean packedC(INDArray a) {
        long[] shape = a.shape(), stride = a.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }
}
