package dev.cifar10.cudnn;

import dev.cifar10.cudnn.CudnnApi.Device;
import dev.cifar10.cudnn.CudnnApi.Workspace;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.ref.Cleaner;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DL4J's convolution layer on cuDNN, called directly: forward (convolution, then the bias added), and backward
 * (bias gradient, weight gradient, and the input gradient unless nobody reads it), in NCHW or NHWC.
 *
 * <p>Per call it only looks up the plan for the input's shape (descriptors and algorithms are made the first time
 * a shape appears, see {@link ConvolutionPlan} and {@link AlgorithmCache}), takes the GPU's shared workspace
 * ({@link Workspaces}) and queues the cuDNN calls on ND4J's stream: no allocation outside DL4J's workspaces, no
 * waiting for the GPU.
 *
 * <p>The descriptors describe every array as its layout packed (DL4J's weights [out, in, kH, kW] as cuDNN's KCRS in
 * both layouts); an array DL4J hands in with other strides is copied into that form first (counted in
 * {@link #layoutCopies()}; the project's layers hand in none). It declines (returns null, and DL4J computes that
 * call itself) what cuDNN cannot compute exactly: data types other than float and double, "same" padding that is
 * larger at the bottom or right, causal mode, sizes beyond int.
 */
public final class CudnnConvolution implements ConvolutionImplementation {
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudnnRuntime runtime;
    private final CudnnApi api;
    private final DataType dataType;
    private final PlanCache<ConvolutionPlan.Shape, ConvolutionPlan> plans = new PlanCache<>();
    private boolean inputGradientNeeded = true;
    private int layoutCopies;

    public CudnnConvolution(CudnnRuntime runtime, DataType dataType) {
        this.runtime = runtime;
        this.api = runtime.api();
        this.dataType = dataType;
        PlanCache<ConvolutionPlan.Shape, ConvolutionPlan> owned = plans;   // the cleaning action must not hold this
        CLEANER.register(this, owned::destroyAll);
    }

    @Override
    public boolean checkSupported() {
        return dataType == DataType.FLOAT || dataType == DataType.DOUBLE;
    }

    @Override
    public void setInputGradientNeeded(boolean needed) {
        this.inputGradientNeeded = needed;
    }

    /** The plan's shapes for this call, or null when cuDNN cannot compute it exactly (the call is declined). */
    private ConvolutionPlan.Shape shape(INDArray input, INDArray weights, int[] kernel, int[] strides, int[] pad, int[] dilation,
                                        ConvolutionMode mode, CNN2DFormat format) {
        if (!checkSupported() || input.dataType() != dataType || weights.dataType() != dataType || weights.rank() != 4) return null;
        int[] x = Geometry.nchw(input, format);
        if (x == null) return null;
        long[] w = weights.shape();
        if (w[1] != x[1] || w[2] != kernel[0] || w[3] != kernel[1] || w[0] > Integer.MAX_VALUE) return null;
        int[] padding = Geometry.symmetricPadding(mode, pad, x[2], x[3], kernel, strides, dilation);
        if (padding == null) return null;
        int k = (int) w[0];
        int outH = Geometry.outputSize(x[2], kernel[0], strides[0], padding[0], dilation[0]);
        int outW = Geometry.outputSize(x[3], kernel[1], strides[1], padding[1], dilation[1]);
        if ((long) x[0] * k * outH * outW > Integer.MAX_VALUE) return null;
        return new ConvolutionPlan.Shape(
                TensorSpec.packed(dataType, format, x[0], x[1], x[2], x[3]),
                new FilterSpec(dataType, CNN2DFormat.NCHW, k, x[1], kernel[0], kernel[1]),
                new ConvolutionSpec(padding[0], padding[1], strides[0], strides[1], dilation[0], dilation[1], dataType),
                TensorSpec.packed(dataType, format, x[0], k, outH, outW));
    }

    private ConvolutionPlan plan(ConvolutionPlan.Shape shape) {
        return plans.get(shape, s -> new ConvolutionPlan(api, s));
    }

    @Override
    public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad, AlgoMode mode,
                              FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        ConvolutionPlan.Shape shape = shape(input, weights, kernel, strides, pad, dilation, convolutionMode, format);
        if (shape == null || bias != null && bias.length() != shape.y().c()) return null;
        ConvolutionPlan plan = plan(shape);
        Device device = api.device();
        AlgorithmChoice algorithm = plan.algorithm(ConvolutionPass.FORWARD,
                AlgorithmSelection.of(ConvolutionPass.FORWARD, mode, fwdAlgo, runtime.rule()), runtime, device);
        Workspace workspace = runtime.workspaces().atLeast(device, algorithm.workspaceBytes());

        INDArray x = packed(input, ArrayType.FF_WORKING_MEM, workspaceMgr);
        INDArray w = packed(weights, ArrayType.FF_WORKING_MEM, workspaceMgr);
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, Geometry.shape(format, shape.y()), 'c');
        api.convolutionForward(plan.x, x, plan.w, w, plan.convolution(ConvolutionPass.FORWARD), algorithm.algorithm(), workspace, plan.y, y);
        if (bias != null) api.addTensor(plan.bias(), packed(bias, ArrayType.FF_WORKING_MEM, workspaceMgr), plan.y, y);
        return y;
    }

    /**
     * {@code delta} is the gradient at the pre-activation (DL4J's layer applies the activation's backward pass
     * first); the weight and bias gradients go into DL4J's gradient views.
     */
    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta, int[] kernel,
                                                     int[] strides, int[] pad, INDArray biasGradView, INDArray weightGradView,
                                                     IActivation afn, AlgoMode mode, BwdFilterAlgo bwdFilterAlgo, BwdDataAlgo bwdDataAlgo,
                                                     ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
                                                     LayerWorkspaceMgr workspaceMgr) {
        ConvolutionPlan.Shape shape = shape(input, weights, kernel, strides, pad, dilation, convolutionMode, format);
        if (shape == null || delta.dataType() != dataType) return null;
        TensorSpec ys = shape.y();
        long[] outputShape = Geometry.shape(format, ys);
        if (!java.util.Arrays.equals(delta.shape(), outputShape) || weightGradView.length() != weights.length()
                || bias != null && (biasGradView == null || biasGradView.length() != ys.c())) return null;
        ConvolutionPlan plan = plan(shape);
        Device device = api.device();
        AlgorithmChoice filterAlgorithm = plan.algorithm(ConvolutionPass.BACKWARD_FILTER,
                AlgorithmSelection.of(ConvolutionPass.BACKWARD_FILTER, mode, bwdFilterAlgo, runtime.rule()), runtime, device);
        AlgorithmChoice dataAlgorithm = !inputGradientNeeded ? null : plan.algorithm(ConvolutionPass.BACKWARD_DATA,
                AlgorithmSelection.of(ConvolutionPass.BACKWARD_DATA, mode, bwdDataAlgo, runtime.rule()), runtime, device);

        INDArray x = packed(input, ArrayType.BP_WORKING_MEM, workspaceMgr);
        INDArray dy = packed(delta, ArrayType.BP_WORKING_MEM, workspaceMgr);
        if (bias != null) {
            INDArray db = writable(biasGradView, workspaceMgr);
            api.convolutionBackwardBias(plan.y, dy, plan.bias(), db);
            if (db != biasGradView) biasGradView.assign(db.reshape(biasGradView.shape()));
        }
        INDArray dw = writable(weightGradView, workspaceMgr);
        api.convolutionBackwardFilter(plan.x, x, plan.y, dy, plan.convolution(ConvolutionPass.BACKWARD_FILTER), filterAlgorithm.algorithm(),
                runtime.workspaces().atLeast(device, filterAlgorithm.workspaceBytes()), plan.w, dw);
        if (dw != weightGradView) weightGradView.assign(dw.reshape(weightGradView.shape()));

        INDArray dx = null;
        if (dataAlgorithm != null) {
            dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
            api.convolutionBackwardData(plan.w, packed(weights, ArrayType.BP_WORKING_MEM, workspaceMgr), plan.y, dy,
                    plan.convolution(ConvolutionPass.BACKWARD_DATA), dataAlgorithm.algorithm(),
                    runtime.workspaces().atLeast(device, dataAlgorithm.workspaceBytes()), plan.x, dx);
        }
        Gradient gradient = new DefaultGradient();
        if (bias != null) gradient.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
        gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
        return new Pair<>(gradient, dx);
    }

    /** {@code a} when its memory is packed in C order (what the descriptors say), else a packed copy. */
    private INDArray packed(INDArray a, ArrayType scratch, LayerWorkspaceMgr workspaceMgr) {
        if (Geometry.packedC(a)) return a;
        layoutCopies++;
        return workspaceMgr.dup(scratch, a, 'c');
    }

    /** {@code view} when cuDNN can write it as described, else a packed array to copy back from. */
    private INDArray writable(INDArray view, LayerWorkspaceMgr workspaceMgr) {
        if (Geometry.packedC(view)) return view;
        layoutCopies++;
        return workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, view.dataType(), view.shape(), 'c');
    }

    @Override
    public INDArray activate(INDArray z, IActivation afn, boolean training) {
        return afn.getActivation(z, training);
    }

    /** Arrays copied because DL4J handed them in with strides other than packed (0 with the project's layers). */
    public int layoutCopies() {
        return layoutCopies;
    }

    /** The plans this layer holds (one per shape met), for tests and the self-check. */
    int plans() {
        return plans.size();
    }

    /** The algorithms this layer's plans run, per shape. */
    public Map<String, Map<ConvolutionPass, AlgorithmChoice>> algorithms() {
        Map<String, Map<ConvolutionPass, AlgorithmChoice>> result = new LinkedHashMap<>();
        for (ConvolutionPlan plan : plans.plans()) result.put(plan.shape.x().toString(), plan.chosen());
        return result;
    }

    /**
     * This layer's share of its GPU's cuDNN workspace: the most any of its algorithms needs (the workspace itself is
     * shared by all layers and is as large as the largest of these).
     */
    @Override
    public Map<String, Long> helperMemoryUse() {
        long most = 0;
        for (ConvolutionPlan plan : plans.plans()) {
            for (AlgorithmChoice choice : plan.chosen().values()) most = Math.max(most, choice.workspaceBytes());
        }
        return Map.of("cudnnWorkspaceNeeded", most);
    }
}
