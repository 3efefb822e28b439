package org.deeplearning4j.cuda.convolution.subsampling;

import dev.cifar10.cudnn.ConvolutionPath;
import dev.cifar10.cudnn.CudnnPooling;
import dev.cifar10.cudnn.CudnnRuntime;
import dev.cifar10.cudnn.Libnd4jPooling;
import org.deeplearning4j.cuda.convolution.CudnnHelpers;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * The pooling helper DL4J M2.1's {@code SubsamplingLayer} instantiates by this name on the CUDA backend: a thin
 * shim over the path {@link CudnnHelpers#path()} selects, cuDNN called directly ({@link CudnnPooling}) or libnd4j's
 * ops ({@link Libnd4jPooling}); on path built-in it declines. DL4J M2.1's layer calls its helper for the backward
 * pass only (its forward pass always runs libnd4j's pooling op). See {@link org.deeplearning4j.cuda.convolution}
 * for why it lives here.
 */
public class CudnnSubsamplingHelper implements SubsamplingHelper {
    private static final Logger log = LoggerFactory.getLogger(CudnnSubsamplingHelper.class);
    private static volatile boolean unavailableLogged;

    private final ConvolutionPath path;
    private final SubsamplingHelper implementation;   // null on path built-in

    public CudnnSubsamplingHelper(DataType dataType) {
        this(dataType, CudnnHelpers.path());
    }

    /** The constructor DL4J M2.1 actually calls on CUDA: HelperUtils wraps its arguments in one more array. */
    public CudnnSubsamplingHelper(Object[] arguments) {
        this(CudnnHelpers.dataTypeOf(arguments));
    }

    public CudnnSubsamplingHelper(DataType dataType, ConvolutionPath path) {
        this(path, implementation(dataType, path));
    }

    /** The cuDNN path on {@code runtime}. */
    public CudnnSubsamplingHelper(DataType dataType, CudnnRuntime runtime) {
        this(ConvolutionPath.CUDNN, new CudnnPooling(runtime, dataType));
    }

    private CudnnSubsamplingHelper(ConvolutionPath path, SubsamplingHelper implementation) {
        this.path = path;
        this.implementation = implementation;
    }

    private static SubsamplingHelper implementation(DataType dataType, ConvolutionPath path) {
        return switch (path) {
            case BUILT_IN -> null;
            case LIBND4J -> new Libnd4jPooling(dataType);
            case CUDNN -> {
                CudnnRuntime runtime = CudnnRuntime.shared();
                if (runtime != null) yield new CudnnPooling(runtime, dataType);
                if (!unavailableLogged) {
                    unavailableLogged = true;
                    log.warn("The cuDNN pooling path is not available ({}); pooling runs on libnd4j's ops instead.",
                            CudnnRuntime.unavailableReason());
                }
                yield new Libnd4jPooling(dataType);
            }
        };
    }

    public ConvolutionPath path() {
        return path;
    }

    /** What computes the layer: a {@link CudnnPooling} or a {@link Libnd4jPooling}; null on path built-in. */
    public SubsamplingHelper implementation() {
        return implementation;
    }

    @Override
    public boolean checkSupported() {
        return implementation != null && CudnnHelpers.enabled() && implementation.checkSupported();
    }

    @Override
    public INDArray activate(INDArray input, boolean training, int[] kernel, int[] strides, int[] pad, PoolingType poolingType,
                             ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (implementation == null) return null;
        try {
            return implementation.activate(input, training, kernel, strides, pad, poolingType, convolutionMode, dilation, format, workspaceMgr);
        } catch (RuntimeException e) {
            throw CudnnHelpers.failure(path.value() + " pooling forward pass", input, e);
        }
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, int[] kernel, int[] strides, int[] pad,
                                                     PoolingType poolingType, ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (implementation == null) return null;
        try {
            return implementation.backpropGradient(input, epsilon, kernel, strides, pad, poolingType, convolutionMode, dilation, format,
                    workspaceMgr);
        } catch (RuntimeException e) {
            throw CudnnHelpers.failure(path.value() + " pooling backward pass", input, e);
        }
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return implementation == null ? Map.of() : implementation.helperMemoryUse();
    }
}
