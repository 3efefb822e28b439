package dev.cifar10.cudnn;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.ref.Cleaner;
import java.util.Map;

/**
 * DL4J's max-pooling layer on cuDNN, called directly, in NCHW or NHWC.
 *
 * <p>cuDNN's pooling backward pass needs the forward output y of exactly this input; DL4J's helper interface does
 * not pass it, so the backward pass computes it again (one pooling forward: reads x once, writes a quarter of it
 * for 2x2/2, into DL4J's backprop scratch memory). Keeping y from the forward pass instead would be wrong here:
 * DL4J M2.1's {@code SubsamplingLayer.activate} never calls its helper (it always runs libnd4j's
 * {@code maxpool2d} op), and its {@code DropoutLayer} after a pooling layer writes the dropout into the pooling
 * output in place ({@code MultiLayerNetwork.init} allows every layer after the first to modify its input), so a
 * kept y would hold dropped-out values and cuDNN would route gradients to the wrong inputs.
 *
 * <p>Average, sum and p-norm pooling, dilation, and padding cuDNN cannot express are declined (DL4J computes them).
 */
public final class CudnnPooling implements SubsamplingHelper {
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudnnApi api;
    private final DataType dataType;
    private final PlanCache<PoolingPlan.Shape, PoolingPlan> plans = new PlanCache<>();

    public CudnnPooling(CudnnRuntime runtime, DataType dataType) {
        this.api = runtime.api();
        this.dataType = dataType;
        PlanCache<PoolingPlan.Shape, PoolingPlan> owned = plans;
        CLEANER.register(this, owned::destroyAll);
    }

    @Override
    public boolean checkSupported() {
        return dataType == DataType.FLOAT || dataType == DataType.DOUBLE;
    }

    private PoolingPlan plan(INDArray input, int[] kernel, int[] strides, int[] pad, PoolingType type, ConvolutionMode mode, int[] dilation,
                             CNN2DFormat format) {
        if (type != PoolingType.MAX || dilation[0] != 1 || dilation[1] != 1 || input.dataType() != dataType || !checkSupported()) return null;
        int[] x = Geometry.nchw(input, format);
        if (x == null) return null;
        int[] padding = Geometry.symmetricPadding(mode, pad, x[2], x[3], kernel, strides, dilation);
        if (padding == null) return null;
        int outH = Geometry.outputSize(x[2], kernel[0], strides[0], padding[0], 1);
        int outW = Geometry.outputSize(x[3], kernel[1], strides[1], padding[1], 1);
        PoolingPlan.Shape shape = new PoolingPlan.Shape(TensorSpec.packed(dataType, format, x[0], x[1], x[2], x[3]),
                new PoolingSpec(kernel[0], kernel[1], padding[0], padding[1], strides[0], strides[1]),
                TensorSpec.packed(dataType, format, x[0], x[1], outH, outW));
        return plans.get(shape, s -> new PoolingPlan(api, s));
    }

    private static INDArray packed(INDArray a, ArrayType scratch, LayerWorkspaceMgr workspaceMgr) {
        return Geometry.packedC(a) ? a : workspaceMgr.dup(scratch, a, 'c');
    }

    @Override
    public INDArray activate(INDArray input, boolean training, int[] kernel, int[] strides, int[] pad, PoolingType poolingType,
                             ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        PoolingPlan plan = plan(input, kernel, strides, pad, poolingType, convolutionMode, dilation, format);
        if (plan == null) return null;
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, Geometry.shape(format, plan.shape.y()), 'c');
        api.poolingForward(plan.pooling, plan.x, packed(input, ArrayType.FF_WORKING_MEM, workspaceMgr), plan.y, y);
        return y;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, int[] kernel, int[] strides, int[] pad,
                                                     PoolingType poolingType, ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        PoolingPlan plan = plan(input, kernel, strides, pad, poolingType, convolutionMode, dilation, format);
        if (plan == null || epsilon.dataType() != dataType || !java.util.Arrays.equals(epsilon.shape(), Geometry.shape(format, plan.shape.y()))) return null;
        INDArray x = packed(input, ArrayType.BP_WORKING_MEM, workspaceMgr);
        INDArray y = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, epsilon.shape(), 'c');
        api.poolingForward(plan.pooling, plan.x, x, plan.y, y);   // y again: see the class comment
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
        api.poolingBackward(plan.pooling, plan.y, y, plan.y, packed(epsilon, ArrayType.BP_WORKING_MEM, workspaceMgr), plan.x, x, plan.x, dx);
        return new Pair<>(new DefaultGradient(), dx);
    }

    /** The plans this layer holds (one per shape met). */
    int plans() {
        return plans.size();
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Map.of();   // descriptors only; the recomputed output lives in DL4J's backprop scratch memory
    }
}
