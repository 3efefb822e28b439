package dev.cifar10.cudnn;

/**
 * What a cuDNN max-pooling descriptor says ({@code cudnnSetPooling2dDescriptor} with
 * {@code CUDNN_POOLING_MAX_DETERMINISTIC} and NaN propagated): window, symmetric padding and stride.
 */
public record PoolingSpec(int kernelH, int kernelW, int padH, int padW, int strideH, int strideW) {
    @Override
    public String toString() {
        return "max " + kernelH + "x" + kernelW + ", pad " + padH + "x" + padW + ", stride " + strideH + "x" + strideW;
    }
}
