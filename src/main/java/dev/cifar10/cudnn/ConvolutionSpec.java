package dev.cifar10.cudnn;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * What a cuDNN convolution descriptor says ({@code cudnnSetConvolution2dDescriptor}, cross-correlation as DL4J
 * computes): symmetric padding, stride and dilation, and the data type it accumulates in.
 */
public record ConvolutionSpec(int padH, int padW, int strideH, int strideW, int dilationH, int dilationW, DataType computeType) {
    @Override
    public String toString() {
        return "pad " + padH + "x" + padW + ", stride " + strideH + "x" + strideW + ", dilation " + dilationH + "x" + dilationW;
    }
}
