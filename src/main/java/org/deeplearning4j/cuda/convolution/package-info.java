/**
 * cuDNN layer helpers for DL4J 1.0.0-M2.1, at the class names DL4J looks up on the CUDA backend.
 *
 * <p>Why here, under DL4J's own package: {@code ConvolutionLayer} and {@code SubsamplingLayer}
 * instantiate {@code org.deeplearning4j.cuda.convolution.CudnnConvolutionHelper} and
 * {@code org.deeplearning4j.cuda.convolution.subsampling.CudnnSubsamplingHelper} by name, and the
 * artifact that used to hold them ({@code deeplearning4j-cuda-11.x}) was last published for
 * M1.1. Without them every convolution falls back to im2col + cuBLAS. These implementations run
 * libnd4j's {@code conv2d}, {@code conv2d_bp}, {@code maxpool2d} and {@code maxpool2d_bp} ops,
 * which the {@code linux-x86_64-cudnn} build of nd4j-cuda-11.6 executes with cuDNN (and which run
 * on CPU too, which is how the unit tests check them against DL4J's built-in implementation).
 *
 * <p>Switched by the system property {@value org.deeplearning4j.cuda.convolution.CudnnHelpers#ENABLED_PROPERTY}
 * (default true; {@code --no-cudnn} sets it false).
 */
package org.deeplearning4j.cuda.convolution;
