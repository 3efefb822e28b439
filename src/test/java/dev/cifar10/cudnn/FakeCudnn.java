package dev.cifar10.cudnn;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * cuDNN on the CPU, for the tests: computes what each cuDNN call computes, reading and writing the arrays' memory
 * only through the descriptors (sizes AND strides, padding, stride, dilation), as cuDNN does with a device pointer.
 * So a descriptor with wrong strides or a wrong layout gives a wrong result here, as it would on a GPU. Checks what
 * cuDNN checks (output sizes, enough workspace, descriptors not destroyed) and records every call, descriptor and
 * workspace allocation.
 *
 * <p>Its algorithms and their needs are made up, so tests can tell the rules apart: a search returns, fastest first,
 * algorithm 1 (workspace = {@link #bytesPerImage} x batch), 3 (twice that), 0 (no workspace), and 2 as not supported;
 * the heuristics return 3, then 0.
 */
class FakeCudnn implements CudnnApi {
    static final int NOT_SUPPORTED = 9, BAD_PARAM = 3;

    final Map<String, Integer> calls = new TreeMap<>();
    final List<TensorSpec> tensors = new ArrayList<>();
    final List<FilterSpec> filters = new ArrayList<>();
    final List<ConvolutionSpec> convolutions = new ArrayList<>();
    final List<PoolingSpec> poolings = new ArrayList<>();
    final List<Long> allocations = new ArrayList<>();
    final List<Long> workspacesUsed = new ArrayList<>();   // bytes of the workspace each convolution call got
    int destroyed, freed;

    Device device = new Device(0, "CPU stand-in", 1);
    long bytesPerImage = 1024;
    boolean searchFails;
    /** Allocations this predicate refuses fail as cudaMalloc does when the GPU is full. */
    Predicate<Long> refuseAllocation = bytes -> false;
    /** Calls (by name) that fail with a cuDNN error. */
    Predicate<String> failing = name -> false;

    private void record(String call) {
        calls.merge(call, 1, Integer::sum);
        if (failing.test(call)) throw new CudnnException(call, 8, "CUDNN_STATUS_EXECUTION_FAILED", "the test made it fail");
    }

    int count(String call) {
        return calls.getOrDefault(call, 0);
    }

    /** A runtime on this fake with {@code rule} and a workspace limit of 1 GiB (the cuda build's default), which no test reaches. */
    CudnnRuntime runtime(AlgorithmRule rule) {
        return new CudnnRuntime(this, rule, 1L << 30);
    }

    // ---------------------------------------------------------------------------------------------- descriptors

    /** A descriptor holding its spec: refuses use after destroy, and counts destroys in {@link #destroyed}. */
    private abstract class Handle<S> implements Descriptor {
        final S spec;
        boolean alive = true;

        Handle(S spec) {
            this.spec = spec;
        }

        public S spec() {
            check();
            return spec;
        }

        @Override
        public void destroy() {
            if (!alive) throw new IllegalStateException("descriptor destroyed twice");
            alive = false;
            destroyed++;
        }

        void check() {
            if (!alive) throw new IllegalStateException("a destroyed descriptor was used");
        }
    }

    private final class Tensor extends Handle<TensorSpec> implements TensorDescriptor {
        Tensor(TensorSpec spec) {
            super(spec);
        }
    }

    private final class Filter extends Handle<FilterSpec> implements FilterDescriptor {
        Filter(FilterSpec spec) {
            super(spec);
        }
    }

    final class Convolution extends Handle<ConvolutionSpec> implements ConvolutionDescriptor {
        int mathType = DEFAULT_MATH;

        Convolution(ConvolutionSpec spec) {
            super(spec);
        }
    }

    private final class Pooling extends Handle<PoolingSpec> implements PoolingDescriptor {
        Pooling(PoolingSpec spec) {
            super(spec);
        }
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public TensorDescriptor createTensor(TensorSpec spec) {
        record("cudnnSetTensor4dDescriptorEx");
        tensors.add(spec);
        return new Tensor(spec);
    }

    @Override
    public FilterDescriptor createFilter(FilterSpec spec) {
        record("cudnnSetFilter4dDescriptor");
        filters.add(spec);
        return new Filter(spec);
    }

    @Override
    public ConvolutionDescriptor createConvolution(ConvolutionSpec spec) {
        record("cudnnSetConvolution2dDescriptor");
        convolutions.add(spec);
        return new Convolution(spec);
    }

    @Override
    public PoolingDescriptor createPooling(PoolingSpec spec) {
        record("cudnnSetPooling2dDescriptor");
        poolings.add(spec);
        return new Pooling(spec);
    }

    @Override
    public void setMathType(ConvolutionDescriptor convolution, int mathType) {
        record("cudnnSetConvolutionMathType");
        ((Convolution) convolution).check();
        ((Convolution) convolution).mathType = mathType;
    }

    // ---------------------------------------------------------------------------------------------- algorithms

    /** The made-up workspace need of an algorithm: scales with the batch, so a larger batch needs more. */
    long need(int algorithm, TensorSpec x) {
        return switch (algorithm) {
            case 1 -> bytesPerImage * x.n();
            case 3 -> 2 * bytesPerImage * x.n();
            default -> 0;
        };
    }

    @Override
    public List<AlgorithmPerf> findAlgorithms(ConvolutionPass pass, TensorDescriptor x, FilterDescriptor w, ConvolutionDescriptor convolution,
                                              TensorDescriptor y) {
        record("find " + pass);
        if (searchFails) throw new CudnnException("cudnnFindConvolution", 4, "CUDNN_STATUS_ALLOC_FAILED", "the test made it fail");
        TensorSpec xs = x.spec();
        return List.of(new AlgorithmPerf(1, 0, 0.5f, need(1, xs), DEFAULT_MATH), new AlgorithmPerf(3, 0, 0.7f, need(3, xs), DEFAULT_MATH),
                new AlgorithmPerf(0, 0, 2.0f, 0, DEFAULT_MATH), new AlgorithmPerf(2, NOT_SUPPORTED, -1, 0, DEFAULT_MATH));
    }

    @Override
    public List<AlgorithmPerf> heuristicAlgorithms(ConvolutionPass pass, TensorDescriptor x, FilterDescriptor w,
                                                   ConvolutionDescriptor convolution, TensorDescriptor y) {
        record("heuristics " + pass);
        return List.of(new AlgorithmPerf(3, 0, -1, need(3, x.spec()), DEFAULT_MATH), new AlgorithmPerf(0, 0, -1, 0, DEFAULT_MATH));
    }

    @Override
    public long workspaceSize(ConvolutionPass pass, TensorDescriptor x, FilterDescriptor w, ConvolutionDescriptor convolution, TensorDescriptor y,
                              int algorithm) {
        record("workspaceSize " + pass);
        if (algorithm == 2 || algorithm < 0 || algorithm >= pass.algorithmCount()) {
            throw new CudnnException("cudnnGetConvolutionWorkspaceSize", NOT_SUPPORTED, "CUDNN_STATUS_NOT_SUPPORTED", pass.algorithmName(algorithm));
        }
        checkOutputSize(x.spec(), w.spec(), convolution.spec(), y.spec());
        return need(algorithm, x.spec());
    }

    // ---------------------------------------------------------------------------------------------- memory through descriptors

    /**
     * The array cuDNN would see at {@code data}'s first element with these sizes and strides, as a view of the same
     * memory: [N, C, H, W] whatever the layout.
     */
    static INDArray view(TensorSpec spec, INDArray data) {
        return view(data, spec.dataType(), new long[]{spec.n(), spec.c(), spec.h(), spec.w()},
                new long[]{spec.nStride(), spec.cStride(), spec.hStride(), spec.wStride()});
    }

    /** The filter as cuDNN reads it: [K, C, H, W], from KCRS or KRSC memory. */
    static INDArray view(FilterSpec spec, INDArray data) {
        int k = spec.k(), c = spec.c(), h = spec.h(), w = spec.w();
        long[] strides = spec.format() == CNN2DFormat.NCHW ? new long[]{(long) c * h * w, h * w, w, 1} : new long[]{(long) h * w * c, 1, w * c, c};
        return view(data, spec.dataType(), new long[]{k, c, h, w}, strides);
    }

    private static INDArray view(INDArray data, DataType type, long[] shape, long[] strides) {
        if (data.dataType() != type) throw new CudnnException("descriptor", BAD_PARAM, "CUDNN_STATUS_BAD_PARAM", "data type " + type + " for a "
                + data.dataType() + " array");
        long last = 0;
        for (int i = 0; i < shape.length; i++) last += (shape[i] - 1) * strides[i];
        // ND4J keeps a view's offset in its buffer: element 0 of data() is the array's first element, as a device pointer's
        long available = data.data().length();
        if (last >= available) {
            throw new IllegalStateException("the descriptor reaches element " + last + " of memory holding " + available
                    + " (an illegal address on a GPU)");
        }
        return Nd4j.create(data.data(), shape, strides, 0, 'c');
    }

    private static void checkOutputSize(TensorSpec x, FilterSpec w, ConvolutionSpec c, TensorSpec y) {
        int outH = Geometry.outputSize(x.h(), w.h(), c.strideH(), c.padH(), c.dilationH());
        int outW = Geometry.outputSize(x.w(), w.w(), c.strideW(), c.padW(), c.dilationW());
        if (x.c() != w.c() || y.c() != w.k() || y.n() != x.n() || y.h() != outH || y.w() != outW) {
            throw new CudnnException("descriptor", BAD_PARAM, "CUDNN_STATUS_BAD_PARAM", "x " + x + ", w " + w + ", " + c + " give no y " + y);
        }
    }

    private void checkWorkspace(int algorithm, TensorSpec x, Workspace workspace) {
        long have = workspace == null ? 0 : workspace.bytes();
        if (workspace != null && ((FakeWorkspace) workspace).freed) throw new IllegalStateException("a freed workspace was used");
        if (have < need(algorithm, x)) {
            throw new CudnnException("workspace", BAD_PARAM, "CUDNN_STATUS_BAD_PARAM", "algorithm " + algorithm + " needs " + need(algorithm, x)
                    + " bytes, got " + have);
        }
        workspacesUsed.add(have);
    }

    /** libnd4j's conv2d integer arguments for explicit symmetric padding, NCHW, weights [out, in, kH, kW]. */
    private static int[] convArgs(FilterSpec w, ConvolutionSpec c) {
        return new int[]{w.h(), w.w(), c.strideH(), c.strideW(), c.padH(), c.padW(), c.dilationH(), c.dilationW(), 0, 0, 1};
    }

    private static void run(String op, INDArray[] inputs, INDArray[] outputs, int[] iArgs) {
        Nd4j.exec(DynamicCustomOp.builder(op).addInputs(inputs).addOutputs(outputs).addIntegerArguments(iArgs).build());
    }

    // ---------------------------------------------------------------------------------------------- data calls

    @Override
    public void convolutionForward(TensorDescriptor xDesc, INDArray x, FilterDescriptor wDesc, INDArray w, ConvolutionDescriptor convolution,
                                   int algorithm, Workspace workspace, TensorDescriptor yDesc, INDArray y) {
        record("cudnnConvolutionForward");
        checkOutputSize(xDesc.spec(), wDesc.spec(), convolution.spec(), yDesc.spec());
        checkWorkspace(algorithm, xDesc.spec(), workspace);
        INDArray out = Nd4j.create(yDesc.spec().dataType(), view(yDesc.spec(), y).shape());
        run("conv2d", new INDArray[]{view(xDesc.spec(), x).dup('c'), view(wDesc.spec(), w).dup('c')}, new INDArray[]{out},
                convArgs(wDesc.spec(), convolution.spec()));
        view(yDesc.spec(), y).assign(out);
    }

    @Override
    public void convolutionBackwardData(FilterDescriptor wDesc, INDArray w, TensorDescriptor dyDesc, INDArray dy,
                                        ConvolutionDescriptor convolution, int algorithm, Workspace workspace, TensorDescriptor dxDesc,
                                        INDArray dx) {
        record("cudnnConvolutionBackwardData");
        checkOutputSize(dxDesc.spec(), wDesc.spec(), convolution.spec(), dyDesc.spec());
        checkWorkspace(algorithm, dxDesc.spec(), workspace);
        INDArray dxView = view(dxDesc.spec(), dx);
        INDArray weights = view(wDesc.spec(), w).dup('c');
        INDArray gradI = Nd4j.create(dxView.dataType(), dxView.shape()), unusedGradW = weights.ulike();
        run("conv2d_bp", new INDArray[]{Nd4j.zeros(dxView.dataType(), dxView.shape()), weights, view(dyDesc.spec(), dy).dup('c')},
                new INDArray[]{gradI, unusedGradW}, convArgs(wDesc.spec(), convolution.spec()));
        dxView.assign(gradI);
    }

    @Override
    public void convolutionBackwardFilter(TensorDescriptor xDesc, INDArray x, TensorDescriptor dyDesc, INDArray dy,
                                          ConvolutionDescriptor convolution, int algorithm, Workspace workspace, FilterDescriptor dwDesc,
                                          INDArray dw) {
        record("cudnnConvolutionBackwardFilter");
        checkOutputSize(xDesc.spec(), dwDesc.spec(), convolution.spec(), dyDesc.spec());
        checkWorkspace(algorithm, xDesc.spec(), workspace);
        INDArray dwView = view(dwDesc.spec(), dw);
        INDArray input = view(xDesc.spec(), x).dup('c');
        INDArray gradW = Nd4j.create(dwView.dataType(), dwView.shape()), unusedGradI = input.ulike();
        run("conv2d_bp", new INDArray[]{input, Nd4j.zeros(dwView.dataType(), dwView.shape()), view(dyDesc.spec(), dy).dup('c')},
                new INDArray[]{unusedGradI, gradW}, convArgs(dwDesc.spec(), convolution.spec()));
        dwView.assign(gradW);
    }

    @Override
    public void convolutionBackwardBias(TensorDescriptor dyDesc, INDArray dy, TensorDescriptor dbDesc, INDArray db) {
        record("cudnnConvolutionBackwardBias");
        TensorSpec b = dbDesc.spec();
        if (b.n() != 1 || b.h() != 1 || b.w() != 1 || b.c() != dyDesc.spec().c()) {
            throw new CudnnException("cudnnConvolutionBackwardBias", BAD_PARAM, "CUDNN_STATUS_BAD_PARAM", "db " + b);
        }
        view(b, db).assign(view(dyDesc.spec(), dy).sum(0, 2, 3).reshape(1, b.c(), 1, 1));
    }

    @Override
    public void addTensor(TensorDescriptor biasDesc, INDArray bias, TensorDescriptor yDesc, INDArray y) {
        record("cudnnAddTensor");
        TensorSpec b = biasDesc.spec();
        if (b.n() != 1 || b.h() != 1 || b.w() != 1 || b.c() != yDesc.spec().c()) {
            throw new CudnnException("cudnnAddTensor", BAD_PARAM, "CUDNN_STATUS_BAD_PARAM", "bias " + b);
        }
        INDArray yView = view(yDesc.spec(), y);
        INDArray perChannel = view(b, bias).reshape(b.c()).dup();
        Nd4j.getExecutioner().exec(new BroadcastAddOp(yView, perChannel, yView, 1));
    }

    /** Max of each window over the input elements inside it (padding takes no part), as cuDNN's max pooling. */
    @Override
    public void poolingForward(PoolingDescriptor pooling, TensorDescriptor xDesc, INDArray x, TensorDescriptor yDesc, INDArray y) {
        record("cudnnPoolingForward");
        PoolingSpec p = pooling.spec();
        TensorSpec xs = xDesc.spec(), ys = yDesc.spec();
        checkPoolingSize(p, xs, ys);
        double[] in = view(xs, x).dup('c').data().asDouble();
        double[] out = new double[ys.n() * ys.c() * ys.h() * ys.w()];
        for (int n = 0; n < ys.n(); n++)
            for (int c = 0; c < ys.c(); c++)
                for (int oh = 0; oh < ys.h(); oh++)
                    for (int ow = 0; ow < ys.w(); ow++) {
                        double max = Double.NEGATIVE_INFINITY;
                        for (int i : window(p, xs, n, c, oh, ow)) max = Math.max(max, in[i]);
                        out[((n * ys.c() + c) * ys.h() + oh) * ys.w() + ow] = max;
                    }
        view(ys, y).assign(Nd4j.create(out, new long[]{ys.n(), ys.c(), ys.h(), ys.w()}, DataType.DOUBLE));
    }

    /**
     * Each output's gradient goes to the first input of its window that equals y, the forward output: as with cuDNN,
     * a y that is not this x's pooling output sends gradients to the wrong inputs, or nowhere.
     */
    @Override
    public void poolingBackward(PoolingDescriptor pooling, TensorDescriptor yDesc, INDArray y, TensorDescriptor dyDesc, INDArray dy,
                                TensorDescriptor xDesc, INDArray x, TensorDescriptor dxDesc, INDArray dx) {
        record("cudnnPoolingBackward");
        PoolingSpec p = pooling.spec();
        TensorSpec xs = xDesc.spec(), ys = yDesc.spec();
        checkPoolingSize(p, xs, ys);
        if (!dyDesc.spec().equals(ys) || !dxDesc.spec().equals(xs)) {
            throw new CudnnException("cudnnPoolingBackward", BAD_PARAM, "CUDNN_STATUS_BAD_PARAM", "dy/dx descriptors differ from y/x");
        }
        double[] in = view(xs, x).dup('c').data().asDouble();
        double[] out = view(ys, y).dup('c').data().asDouble();
        double[] gradOut = view(dyDesc.spec(), dy).dup('c').data().asDouble();
        double[] gradIn = new double[in.length];
        for (int n = 0; n < ys.n(); n++)
            for (int c = 0; c < ys.c(); c++)
                for (int oh = 0; oh < ys.h(); oh++)
                    for (int ow = 0; ow < ys.w(); ow++) {
                        int o = ((n * ys.c() + c) * ys.h() + oh) * ys.w() + ow;
                        for (int i : window(p, xs, n, c, oh, ow)) {
                            if (in[i] == out[o]) {
                                gradIn[i] += gradOut[o];
                                break;
                            }
                        }
                    }
        view(dxDesc.spec(), dx).assign(Nd4j.create(gradIn, new long[]{xs.n(), xs.c(), xs.h(), xs.w()}, DataType.DOUBLE));
    }

    private static void checkPoolingSize(PoolingSpec p, TensorSpec x, TensorSpec y) {
        if (y.n() != x.n() || y.c() != x.c() || y.h() != Geometry.outputSize(x.h(), p.kernelH(), p.strideH(), p.padH(), 1)
                || y.w() != Geometry.outputSize(x.w(), p.kernelW(), p.strideW(), p.padW(), 1)) {
            throw new CudnnException("pooling descriptor", BAD_PARAM, "CUDNN_STATUS_BAD_PARAM", "x " + x + ", " + p + " give no y " + y);
        }
    }

    /** Indices (into dense NCHW x) of the input elements in one pooling window, row by row. */
    private static int[] window(PoolingSpec p, TensorSpec x, int n, int c, int oh, int ow) {
        List<Integer> indices = new ArrayList<>();
        for (int kh = 0; kh < p.kernelH(); kh++) {
            int h = oh * p.strideH() - p.padH() + kh;
            if (h < 0 || h >= x.h()) continue;
            for (int kw = 0; kw < p.kernelW(); kw++) {
                int w = ow * p.strideW() - p.padW() + kw;
                if (w >= 0 && w < x.w()) indices.add(((n * x.c() + c) * x.h() + h) * x.w() + w);
            }
        }
        return indices.stream().mapToInt(Integer::intValue).toArray();
    }

    // ---------------------------------------------------------------------------------------------- workspace

    static final class FakeWorkspace implements Workspace {
        final long bytes;
        boolean freed;

        FakeWorkspace(long bytes) {
            this.bytes = bytes;
        }

        @Override
        public long bytes() {
            return bytes;
        }
    }

    @Override
    public Workspace allocateWorkspace(long bytes) {
        record("cudaMalloc");
        if (refuseAllocation.test(bytes)) throw new CudnnException("cudaMalloc", 2, "cudaErrorMemoryAllocation", bytes + " bytes");
        allocations.add(bytes);
        return new FakeWorkspace(bytes);
    }

    @Override
    public void freeWorkspace(Workspace workspace) {
        record("cudaFree");
        FakeWorkspace w = (FakeWorkspace) workspace;
        if (w.freed) throw new IllegalStateException("workspace freed twice");
        w.freed = true;
        freed++;
    }
}
