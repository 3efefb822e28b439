/**
 * DL4J 1.0.0-M2.1's cuDNN layer helper classes, at the names DL4J looks up on the CUDA backend.
 *
 * <p>Why here, under DL4J's own package: {@code ConvolutionLayer}, {@code SubsamplingLayer} and {@code Dropout}
 * instantiate {@code org.deeplearning4j.cuda.convolution.CudnnConvolutionHelper},
 * {@code org.deeplearning4j.cuda.convolution.subsampling.CudnnSubsamplingHelper} and
 * {@code org.deeplearning4j.cuda.dropout.CudnnDropoutHelper} by name, and the artifact that used to hold them
 * ({@code deeplearning4j-cuda-11.x}) was last published for M1.1. Without them every convolution falls back to
 * im2col + cuBLAS.
 *
 * <p>The convolution and pooling classes are thin shims over the path the system property
 * {@value org.deeplearning4j.cuda.convolution.CudnnHelpers#PATH_PROPERTY} selects when a layer is created
 * ({@link dev.cifar10.cudnn.ConvolutionPath}): {@code cudnn} calls cuDNN directly ({@link dev.cifar10.cudnn}),
 * {@code libnd4j} (the default) runs libnd4j's {@code conv2d}, {@code conv2d_bp} and {@code maxpool2d_bp} ops,
 * which the {@code linux-x86_64-cudnn} build of nd4j-cuda-11.6 runs with cuDNN where its checks allow, and
 * {@code built-in} declines so DL4J computes the layers itself. {@value org.deeplearning4j.cuda.convolution.CudnnHelpers#ENABLED_PROPERTY}
 * = false ({@code --no-cudnn}) also means built-in.
 */
package org.deeplearning4j.cuda.convolution;
