package org.deeplearning4j.cuda.convolution;

import dev.cifar10.cudnn.ConvolutionImplementation;
import dev.cifar10.cudnn.ConvolutionPath;
import dev.cifar10.cudnn.CudnnConvolution;
import dev.cifar10.cudnn.CudnnRuntime;
import dev.cifar10.cudnn.Libnd4jConvolution;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * The convolution helper DL4J M2.1's {@code ConvolutionLayer} instantiates by this name on the CUDA backend: a
 * thin shim over the path {@link CudnnHelpers#path()} selects when the layer is created, cuDNN called directly
 * ({@link CudnnConvolution}) or libnd4j's ops ({@link Libnd4jConvolution}); on path built-in it declines and
 * DL4J computes the layer itself. See the package documentation for why it lives here.
 */
public class CudnnConvolutionHelper implements ConvolutionHelper {
    private static final Logger log = LoggerFactory.getLogger(CudnnConvolutionHelper.class);
    private static volatile boolean unavailableLogged;

    private final ConvolutionPath path;
    private final ConvolutionImplementation implementation;   // null on path built-in

    public CudnnConvolutionHelper(DataType dataType) {
        this(dataType, CudnnHelpers.path());
    }

    /** The constructor DL4J M2.1 actually calls on CUDA: HelperUtils wraps its arguments in one more array. */
    public CudnnConvolutionHelper(Object[] arguments) {
        this(CudnnHelpers.dataTypeOf(arguments));
    }

    /** On {@code path}; the cuDNN path on the process's GPU runtime, or libnd4j's ops (logged once) when there is none. */
    public CudnnConvolutionHelper(DataType dataType, ConvolutionPath path) {
        this(path, implementation(dataType, path));
    }

    /** The cuDNN path on {@code runtime} (tests run it on a CPU stand-in for cuDNN; the GPU self-check on the GPU's). */
    public CudnnConvolutionHelper(DataType dataType, CudnnRuntime runtime) {
        this(ConvolutionPath.CUDNN, new CudnnConvolution(runtime, dataType));
    }

    private CudnnConvolutionHelper(ConvolutionPath path, ConvolutionImplementation implementation) {
        this.path = path;
        this.implementation = implementation;
    }

    private static ConvolutionImplementation implementation(DataType dataType, ConvolutionPath path) {
        return switch (path) {
            case BUILT_IN -> null;
            case LIBND4J -> new Libnd4jConvolution(dataType);
            case CUDNN -> {
                CudnnRuntime runtime = CudnnRuntime.shared();
                if (runtime != null) yield new CudnnConvolution(runtime, dataType);
                if (!unavailableLogged) {
                    unavailableLogged = true;
                    log.warn("The cuDNN convolution path is not available ({}); convolutions run on libnd4j's ops instead.",
                            CudnnRuntime.unavailableReason());
                }
                yield new Libnd4jConvolution(dataType);
            }
        };
    }

    /** The path this helper was created on (what {@link #implementation()} runs, unless cuDNN could not be loaded). */
    public ConvolutionPath path() {
        return path;
    }

    /** What computes the layer: a {@link CudnnConvolution} or a {@link Libnd4jConvolution}; null on path built-in. */
    public ConvolutionImplementation implementation() {
        return implementation;
    }

    /**
     * False when nothing reads the gradient with respect to this layer's input (the first layer of a network):
     * the backward pass then skips it and returns null in its place. True by default.
     */
    public void setInputGradientNeeded(boolean needed) {
        if (implementation != null) implementation.setInputGradientNeeded(needed);
    }

    @Override
    public boolean checkSupported() {
        return implementation != null && CudnnHelpers.enabled() && implementation.checkSupported();
    }

    @Override
    public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
                              AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation,
                              CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (implementation == null) return null;
        try {
            return implementation.preOutput(input, weights, bias, kernel, strides, pad, mode, fwdAlgo, convolutionMode, dilation, format,
                    workspaceMgr);
        } catch (RuntimeException e) {
            throw CudnnHelpers.failure(path.value() + " convolution forward pass", input, e);
        }
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta, int[] kernel,
                                                     int[] strides, int[] pad, INDArray biasGradView, INDArray weightGradView,
                                                     IActivation afn, AlgoMode mode, BwdFilterAlgo bwdFilterAlgo,
                                                     BwdDataAlgo bwdDataAlgo, ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (implementation == null) return null;
        try {
            return implementation.backpropGradient(input, weights, bias, delta, kernel, strides, pad, biasGradView, weightGradView, afn,
                    mode, bwdFilterAlgo, bwdDataAlgo, convolutionMode, dilation, format, workspaceMgr);
        } catch (RuntimeException e) {
            throw CudnnHelpers.failure(path.value() + " convolution backward pass", input, e);
        }
    }

    @Override
    public INDArray activate(INDArray z, IActivation afn, boolean training) {
        return afn.getActivation(z, training);
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return implementation == null ? Map.of() : implementation.helperMemoryUse();
    }
}
