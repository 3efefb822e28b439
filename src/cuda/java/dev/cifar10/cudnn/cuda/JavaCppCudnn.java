package dev.cifar10.cudnn.cuda;

import dev.cifar10.cudnn.ConvolutionPass;
import dev.cifar10.cudnn.ConvolutionSpec;
import dev.cifar10.cudnn.CudnnApi;
import dev.cifar10.cudnn.CudnnException;
import dev.cifar10.cudnn.FilterSpec;
import dev.cifar10.cudnn.PoolingSpec;
import dev.cifar10.cudnn.TensorSpec;
import dev.cifar10.cudnn.Workspaces;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdDataAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdFilterAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionFwdAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionStruct;
import org.bytedeco.cuda.cudnn.cudnnFilterStruct;
import org.bytedeco.cuda.cudnn.cudnnPoolingStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.jita.allocator.impl.AllocationPoint;
import org.nd4j.jita.allocator.impl.AtomicAllocator;
import org.nd4j.jita.flow.FlowController;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.executioner.GridExecutioner;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.jcublas.context.CudaContext;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaGetLastError;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;
import static org.bytedeco.cuda.global.cudnn.*;

/**
 * The cuDNN path's seam on a GPU: JavaCPP's cuDNN 8.3 bindings (org.bytedeco:cuda 11.6-8.3-1.5.7) on ND4J's device
 * buffers and ND4J's CUDA stream, as DL4J's own cuDNN helpers did up to 1.0.0-M1.1, with ND4J M2.1's equivalents:
 *
 * <ul>
 * <li>The stream: ND4J's per-thread {@link CudaContext} ({@code AtomicAllocator.getDeviceContext()}); its
 * {@code getCublasStream()} is the {@code cudaStream_t} libnd4j's own ops run on ({@code lcExecutionStream}), so
 * cuDNN's kernels are ordered after the ops that produced their inputs and before those that read their outputs,
 * with no waiting on the host.</li>
 * <li>Buffers: before a call the flow controller's {@code prepareAction} makes each input current on the device
 * (a copy only if the host copy is newer) and binds outputs to this context; {@code AtomicAllocator.getPointer}
 * gives the device address (for a view, libnd4j's {@code InteropDataBuffer::special()} adds the view's offset);
 * after it {@code registerAction} marks outputs as written on the device, so a later host read fetches them.</li>
 * <li>One cuDNN handle per thread and GPU, pointed at the thread's stream before each call.</li>
 * </ul>
 *
 * Every status is checked and turned into a {@link CudnnException} naming the call, the status and the shapes.
 * Loaded by name ({@code CudnnRuntime.IMPLEMENTATION}); the cpu build does not compile it.
 */
public final class JavaCppCudnn implements CudnnApi {
    // cuDNN's alpha and beta: float for float (and half) data, double for double
    private static final FloatPointer ONE_F = new FloatPointer(1f), ZERO_F = new FloatPointer(0f);
    private static final DoublePointer ONE_D = new DoublePointer(1.0), ZERO_D = new DoublePointer(0.0);

    private final ThreadLocal<Map<Integer, cudnnContext>> handles = ThreadLocal.withInitial(HashMap::new);
    private final ThreadLocal<Stream> streams = new ThreadLocal<>();
    private final Map<Integer, String> deviceNames = new ConcurrentHashMap<>();

    /** ND4J's stream of a thread, kept while the thread's context is the same object. */
    private record Stream(CudaContext context, CUstream_st stream) {
    }

    /**
     * @throws IllegalStateException when ND4J does not run on CUDA or the loaded cuDNN is not version 8
     * @throws UnsatisfiedLinkError  when cuDNN's library does not load
     */
    public JavaCppCudnn() {
        String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend");
        if (!"CUDA".equalsIgnoreCase(backend)) {
            throw new IllegalStateException("ND4J runs on its " + backend + " backend; the cuDNN path needs the CUDA backend");
        }
        Loader.load(org.bytedeco.cuda.global.cudnn.class);
        long version = cudnnGetVersion();
        if (version / 1000 != 8) {
            throw new IllegalStateException("cuDNN " + version + " is loaded; the cuDNN path is built for cuDNN 8 (8.3)");
        }
    }

    // ---------------------------------------------------------------------------------------------- device, stream

    @Override
    public Device device() {
        int ordinal = Nd4j.getAffinityManager().getDeviceForCurrentThread();
        return new Device(ordinal, deviceNames.computeIfAbsent(ordinal, JavaCppCudnn::deviceName), stream().address());
    }

    private static String deviceName(int ordinal) {
        cudaDeviceProp properties = new cudaDeviceProp();
        int error = cudaGetDeviceProperties(properties, ordinal);
        return error == cudaSuccess ? properties.name().getString() + " (compute " + properties.major() + "." + properties.minor() + ")"
                : "GPU " + ordinal;
    }

    /** ND4J's execution stream of the calling thread. */
    private CUstream_st stream() {
        CudaContext context = AtomicAllocator.getInstance().getDeviceContext();
        Stream known = streams.get();
        if (known == null || known.context() != context) {
            known = new Stream(context, new CUstream_st(context.getCublasStream()));
            streams.set(known);
        }
        return known.stream();
    }

    /** The calling thread's cuDNN handle for its device, on its stream. */
    private cudnnContext handle() {
        int ordinal = Nd4j.getAffinityManager().getDeviceForCurrentThread();
        cudnnContext handle = handles.get().get(ordinal);
        if (handle == null) {
            handle = new cudnnContext();
            check(cudnnCreate(handle), "cudnnCreate", () -> "GPU " + ordinal);
            handles.get().put(ordinal, handle);
        }
        check(cudnnSetStream(handle, stream()), "cudnnSetStream", () -> "GPU " + ordinal);
        return handle;
    }

    private static void check(int status, String call, Supplier<String> context) {
        if (status != CUDNN_STATUS_SUCCESS) {
            throw new CudnnException(call, status, cudnnGetErrorString(status).getString(), context.get());
        }
    }

    private static int dataType(DataType type) {
        return switch (type) {
            case FLOAT -> CUDNN_DATA_FLOAT;
            case DOUBLE -> CUDNN_DATA_DOUBLE;
            case HALF -> CUDNN_DATA_HALF;
            default -> throw new IllegalArgumentException("cuDNN has no data type for " + type);
        };
    }

    private static Pointer one(TensorSpec t) {
        return t.dataType() == DataType.DOUBLE ? ONE_D : ONE_F;
    }

    private static Pointer zero(TensorSpec t) {
        return t.dataType() == DataType.DOUBLE ? ZERO_D : ZERO_F;
    }

    // ---------------------------------------------------------------------------------------------- descriptors

    private record Tensor(cudnnTensorStruct handle, TensorSpec spec) implements TensorDescriptor {
        @Override
        public void destroy() {
            check(cudnnDestroyTensorDescriptor(handle), "cudnnDestroyTensorDescriptor", spec::toString);
        }
    }

    private record Filter(cudnnFilterStruct handle, FilterSpec spec) implements FilterDescriptor {
        @Override
        public void destroy() {
            check(cudnnDestroyFilterDescriptor(handle), "cudnnDestroyFilterDescriptor", spec::toString);
        }
    }

    private record Convolution(cudnnConvolutionStruct handle, ConvolutionSpec spec) implements ConvolutionDescriptor {
        @Override
        public void destroy() {
            check(cudnnDestroyConvolutionDescriptor(handle), "cudnnDestroyConvolutionDescriptor", spec::toString);
        }
    }

    private record Pooling(cudnnPoolingStruct handle, PoolingSpec spec) implements PoolingDescriptor {
        @Override
        public void destroy() {
            check(cudnnDestroyPoolingDescriptor(handle), "cudnnDestroyPoolingDescriptor", spec::toString);
        }
    }

    @Override
    public TensorDescriptor createTensor(TensorSpec s) {
        cudnnTensorStruct handle = new cudnnTensorStruct();
        check(cudnnCreateTensorDescriptor(handle), "cudnnCreateTensorDescriptor", s::toString);
        int status = cudnnSetTensor4dDescriptorEx(handle, dataType(s.dataType()), s.n(), s.c(), s.h(), s.w(),
                s.nStride(), s.cStride(), s.hStride(), s.wStride());
        if (status != CUDNN_STATUS_SUCCESS) cudnnDestroyTensorDescriptor(handle);
        check(status, "cudnnSetTensor4dDescriptorEx", s::toString);
        return new Tensor(handle, s);
    }

    @Override
    public FilterDescriptor createFilter(FilterSpec s) {
        cudnnFilterStruct handle = new cudnnFilterStruct();
        check(cudnnCreateFilterDescriptor(handle), "cudnnCreateFilterDescriptor", s::toString);
        int status = cudnnSetFilter4dDescriptor(handle, dataType(s.dataType()),
                s.format() == CNN2DFormat.NCHW ? CUDNN_TENSOR_NCHW : CUDNN_TENSOR_NHWC, s.k(), s.c(), s.h(), s.w());
        if (status != CUDNN_STATUS_SUCCESS) cudnnDestroyFilterDescriptor(handle);
        check(status, "cudnnSetFilter4dDescriptor", s::toString);
        return new Filter(handle, s);
    }

    @Override
    public ConvolutionDescriptor createConvolution(ConvolutionSpec s) {
        cudnnConvolutionStruct handle = new cudnnConvolutionStruct();
        check(cudnnCreateConvolutionDescriptor(handle), "cudnnCreateConvolutionDescriptor", s::toString);
        int status = cudnnSetConvolution2dDescriptor(handle, s.padH(), s.padW(), s.strideH(), s.strideW(), s.dilationH(), s.dilationW(),
                CUDNN_CROSS_CORRELATION, dataType(s.computeType()));
        if (status != CUDNN_STATUS_SUCCESS) cudnnDestroyConvolutionDescriptor(handle);
        check(status, "cudnnSetConvolution2dDescriptor", s::toString);
        return new Convolution(handle, s);
    }

    @Override
    public PoolingDescriptor createPooling(PoolingSpec s) {
        cudnnPoolingStruct handle = new cudnnPoolingStruct();
        check(cudnnCreatePoolingDescriptor(handle), "cudnnCreatePoolingDescriptor", s::toString);
        // deterministic max: the gradient goes to one input per window, as DL4J's own pooling does
        int status = cudnnSetPooling2dDescriptor(handle, CUDNN_POOLING_MAX_DETERMINISTIC, CUDNN_PROPAGATE_NAN, s.kernelH(), s.kernelW(),
                s.padH(), s.padW(), s.strideH(), s.strideW());
        if (status != CUDNN_STATUS_SUCCESS) cudnnDestroyPoolingDescriptor(handle);
        check(status, "cudnnSetPooling2dDescriptor", s::toString);
        return new Pooling(handle, s);
    }

    @Override
    public void setMathType(ConvolutionDescriptor convolution, int mathType) {
        Convolution c = (Convolution) convolution;
        check(cudnnSetConvolutionMathType(c.handle(), mathType), "cudnnSetConvolutionMathType", () -> c.spec() + ", math type " + mathType);
    }

    // ---------------------------------------------------------------------------------------------- algorithms

    private static String shapes(ConvolutionPass pass, TensorDescriptor x, FilterDescriptor w, ConvolutionDescriptor c, TensorDescriptor y) {
        return pass + ": x " + x.spec() + ", w " + w.spec() + ", " + c.spec() + ", y " + y.spec();
    }

    @Override
    public List<AlgorithmPerf> findAlgorithms(ConvolutionPass pass, TensorDescriptor x, FilterDescriptor w, ConvolutionDescriptor convolution,
                                              TensorDescriptor y) {
        return algorithms(pass, x, w, convolution, y, true);
    }

    @Override
    public List<AlgorithmPerf> heuristicAlgorithms(ConvolutionPass pass, TensorDescriptor x, FilterDescriptor w,
                                                   ConvolutionDescriptor convolution, TensorDescriptor y) {
        return algorithms(pass, x, w, convolution, y, false);
    }

    private List<AlgorithmPerf> algorithms(ConvolutionPass pass, TensorDescriptor x, FilterDescriptor w, ConvolutionDescriptor convolution,
                                           TensorDescriptor y, boolean search) {
        cudnnContext handle = handle();
        cudnnTensorStruct xd = ((Tensor) x).handle(), yd = ((Tensor) y).handle();
        cudnnFilterStruct wd = ((Filter) w).handle();
        cudnnConvolutionStruct cd = ((Convolution) convolution).handle();
        int requested = pass.algorithmCount();
        int[] returned = new int[1];
        List<AlgorithmPerf> results = new ArrayList<>();
        String call;
        int status;
        switch (pass) {
            case FORWARD -> {
                try (cudnnConvolutionFwdAlgoPerf_t perf = new cudnnConvolutionFwdAlgoPerf_t(requested)) {
                    call = search ? "cudnnFindConvolutionForwardAlgorithm" : "cudnnGetConvolutionForwardAlgorithm_v7";
                    status = search ? cudnnFindConvolutionForwardAlgorithm(handle, xd, wd, cd, yd, requested, returned, perf)
                            : cudnnGetConvolutionForwardAlgorithm_v7(handle, xd, wd, cd, yd, requested, returned, perf);
                    for (int i = 0; status == CUDNN_STATUS_SUCCESS && i < returned[0]; i++) {
                        cudnnConvolutionFwdAlgoPerf_t p = perf.getPointer(i);
                        results.add(new AlgorithmPerf(p.algo(), p.status(), p.time(), p.memory(), p.mathType()));
                    }
                }
            }
            case BACKWARD_DATA -> {
                try (cudnnConvolutionBwdDataAlgoPerf_t perf = new cudnnConvolutionBwdDataAlgoPerf_t(requested)) {
                    call = search ? "cudnnFindConvolutionBackwardDataAlgorithm" : "cudnnGetConvolutionBackwardDataAlgorithm_v7";
                    status = search ? cudnnFindConvolutionBackwardDataAlgorithm(handle, wd, yd, cd, xd, requested, returned, perf)
                            : cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, wd, yd, cd, xd, requested, returned, perf);
                    for (int i = 0; status == CUDNN_STATUS_SUCCESS && i < returned[0]; i++) {
                        cudnnConvolutionBwdDataAlgoPerf_t p = perf.getPointer(i);
                        results.add(new AlgorithmPerf(p.algo(), p.status(), p.time(), p.memory(), p.mathType()));
                    }
                }
            }
            default -> {
                try (cudnnConvolutionBwdFilterAlgoPerf_t perf = new cudnnConvolutionBwdFilterAlgoPerf_t(requested)) {
                    call = search ? "cudnnFindConvolutionBackwardFilterAlgorithm" : "cudnnGetConvolutionBackwardFilterAlgorithm_v7";
                    status = search ? cudnnFindConvolutionBackwardFilterAlgorithm(handle, xd, yd, cd, wd, requested, returned, perf)
                            : cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, xd, yd, cd, wd, requested, returned, perf);
                    for (int i = 0; status == CUDNN_STATUS_SUCCESS && i < returned[0]; i++) {
                        cudnnConvolutionBwdFilterAlgoPerf_t p = perf.getPointer(i);
                        results.add(new AlgorithmPerf(p.algo(), p.status(), p.time(), p.memory(), p.mathType()));
                    }
                }
            }
        }
        check(status, call, () -> shapes(pass, x, w, convolution, y));
        return results;
    }

    @Override
    public long workspaceSize(ConvolutionPass pass, TensorDescriptor x, FilterDescriptor w, ConvolutionDescriptor convolution, TensorDescriptor y,
                              int algorithm) {
        cudnnContext handle = handle();
        cudnnTensorStruct xd = ((Tensor) x).handle(), yd = ((Tensor) y).handle();
        cudnnFilterStruct wd = ((Filter) w).handle();
        cudnnConvolutionStruct cd = ((Convolution) convolution).handle();
        try (SizeTPointer size = new SizeTPointer(1)) {
            int status = switch (pass) {
                case FORWARD -> cudnnGetConvolutionForwardWorkspaceSize(handle, xd, wd, cd, yd, algorithm, size);
                case BACKWARD_DATA -> cudnnGetConvolutionBackwardDataWorkspaceSize(handle, wd, yd, cd, xd, algorithm, size);
                case BACKWARD_FILTER -> cudnnGetConvolutionBackwardFilterWorkspaceSize(handle, xd, yd, cd, wd, algorithm, size);
            };
            check(status, "cudnnGetConvolution" + switch (pass) {
                case FORWARD -> "Forward";
                case BACKWARD_DATA -> "BackwardData";
                case BACKWARD_FILTER -> "BackwardFilter";
            } + "WorkspaceSize", () -> shapes(pass, x, w, convolution, y) + ", " + pass.algorithmName(algorithm));
            return size.get();
        }
    }

    // ---------------------------------------------------------------------------------------------- data calls

    /**
     * One call on ND4J's buffers: inputs made current on the device, outputs bound to the thread's context, the
     * cuDNN handle on the thread's stream; {@link #done} marks the outputs as written on the device.
     */
    private final class Call {
        final CudaContext context;
        final cudnnContext handle;
        private final INDArray[] outputs, inputs;

        Call(INDArray[] outputs, INDArray... inputs) {
            this.outputs = outputs;
            this.inputs = inputs;
            if (Nd4j.getExecutioner() instanceof GridExecutioner grid) grid.flushQueue();
            AtomicAllocator allocator = AtomicAllocator.getInstance();
            FlowController flow = allocator.getFlowController();
            for (INDArray out : outputs) {
                flow.prepareAction(out);
                // written whole, so copied to the device only in the odd case that the host copy is the newer one
                // (ND4J refuses a device pointer to such a buffer)
                AllocationPoint point = allocator.getAllocationPoint(out);
                if (!point.isActualOnDeviceSide()) flow.synchronizeToDevice(point);
            }
            this.context = flow.prepareAction(null, inputs);
            this.handle = handle();
        }

        Pointer pointer(INDArray a) {
            return AtomicAllocator.getInstance().getPointer(a, context);
        }

        void done() {
            for (INDArray out : outputs) AtomicAllocator.getInstance().registerAction(context, out, inputs);
        }
    }

    private static Pointer workspace(Workspace w) {
        return w == null ? null : ((CudaWorkspace) w).pointer();
    }

    private static long workspaceBytes(Workspace w) {
        return w == null ? 0 : w.bytes();
    }

    /** What a failed convolution pass names: its descriptors (as {@link #shapes} orders them), its algorithm and its workspace. */
    private static Supplier<String> passContext(ConvolutionPass pass, TensorDescriptor x, FilterDescriptor w, ConvolutionDescriptor c,
                                                TensorDescriptor y, int algorithm, Workspace workspace) {
        return () -> shapes(pass, x, w, c, y) + ", " + pass.algorithmName(algorithm) + ", workspace " + Workspaces.format(workspaceBytes(workspace));
    }

    @Override
    public void convolutionForward(TensorDescriptor xDesc, INDArray x, FilterDescriptor wDesc, INDArray w, ConvolutionDescriptor convolution,
                                   int algorithm, Workspace workspace, TensorDescriptor yDesc, INDArray y) {
        Call call = new Call(new INDArray[]{y}, x, w);
        check(cudnnConvolutionForward(call.handle, one(yDesc.spec()), ((Tensor) xDesc).handle(), call.pointer(x), ((Filter) wDesc).handle(),
                        call.pointer(w), ((Convolution) convolution).handle(), algorithm, workspace(workspace), workspaceBytes(workspace),
                        zero(yDesc.spec()), ((Tensor) yDesc).handle(), call.pointer(y)),
                "cudnnConvolutionForward", passContext(ConvolutionPass.FORWARD, xDesc, wDesc, convolution, yDesc, algorithm, workspace));
        call.done();
    }

    @Override
    public void convolutionBackwardData(FilterDescriptor wDesc, INDArray w, TensorDescriptor dyDesc, INDArray dy,
                                        ConvolutionDescriptor convolution, int algorithm, Workspace workspace, TensorDescriptor dxDesc,
                                        INDArray dx) {
        Call call = new Call(new INDArray[]{dx}, w, dy);
        check(cudnnConvolutionBackwardData(call.handle, one(dxDesc.spec()), ((Filter) wDesc).handle(), call.pointer(w),
                        ((Tensor) dyDesc).handle(), call.pointer(dy), ((Convolution) convolution).handle(), algorithm, workspace(workspace),
                        workspaceBytes(workspace), zero(dxDesc.spec()), ((Tensor) dxDesc).handle(), call.pointer(dx)),
                "cudnnConvolutionBackwardData", passContext(ConvolutionPass.BACKWARD_DATA, dxDesc, wDesc, convolution, dyDesc, algorithm, workspace));
        call.done();
    }

    @Override
    public void convolutionBackwardFilter(TensorDescriptor xDesc, INDArray x, TensorDescriptor dyDesc, INDArray dy,
                                          ConvolutionDescriptor convolution, int algorithm, Workspace workspace, FilterDescriptor dwDesc,
                                          INDArray dw) {
        Call call = new Call(new INDArray[]{dw}, x, dy);
        check(cudnnConvolutionBackwardFilter(call.handle, one(xDesc.spec()), ((Tensor) xDesc).handle(), call.pointer(x),
                        ((Tensor) dyDesc).handle(), call.pointer(dy), ((Convolution) convolution).handle(), algorithm, workspace(workspace),
                        workspaceBytes(workspace), zero(xDesc.spec()), ((Filter) dwDesc).handle(), call.pointer(dw)),
                "cudnnConvolutionBackwardFilter", passContext(ConvolutionPass.BACKWARD_FILTER, xDesc, dwDesc, convolution, dyDesc, algorithm,
                        workspace));
        call.done();
    }

    @Override
    public void convolutionBackwardBias(TensorDescriptor dyDesc, INDArray dy, TensorDescriptor dbDesc, INDArray db) {
        Call call = new Call(new INDArray[]{db}, dy);
        check(cudnnConvolutionBackwardBias(call.handle, one(dyDesc.spec()), ((Tensor) dyDesc).handle(), call.pointer(dy), zero(dyDesc.spec()),
                ((Tensor) dbDesc).handle(), call.pointer(db)), "cudnnConvolutionBackwardBias", () -> "dy " + dyDesc.spec() + ", db " + dbDesc.spec());
        call.done();
    }

    @Override
    public void addTensor(TensorDescriptor biasDesc, INDArray bias, TensorDescriptor yDesc, INDArray y) {
        Call call = new Call(new INDArray[]{y}, bias, y);   // y is read too (beta = 1)
        check(cudnnAddTensor(call.handle, one(yDesc.spec()), ((Tensor) biasDesc).handle(), call.pointer(bias), one(yDesc.spec()),
                ((Tensor) yDesc).handle(), call.pointer(y)), "cudnnAddTensor", () -> "bias " + biasDesc.spec() + ", y " + yDesc.spec());
        call.done();
    }

    @Override
    public void poolingForward(PoolingDescriptor pooling, TensorDescriptor xDesc, INDArray x, TensorDescriptor yDesc, INDArray y) {
        Call call = new Call(new INDArray[]{y}, x);
        check(cudnnPoolingForward(call.handle, ((Pooling) pooling).handle(), one(xDesc.spec()), ((Tensor) xDesc).handle(), call.pointer(x),
                        zero(xDesc.spec()), ((Tensor) yDesc).handle(), call.pointer(y)),
                "cudnnPoolingForward", () -> pooling.spec() + ": x " + xDesc.spec() + ", y " + yDesc.spec());
        call.done();
    }

    @Override
    public void poolingBackward(PoolingDescriptor pooling, TensorDescriptor yDesc, INDArray y, TensorDescriptor dyDesc, INDArray dy,
                                TensorDescriptor xDesc, INDArray x, TensorDescriptor dxDesc, INDArray dx) {
        Call call = new Call(new INDArray[]{dx}, y, dy, x);
        check(cudnnPoolingBackward(call.handle, ((Pooling) pooling).handle(), one(xDesc.spec()), ((Tensor) yDesc).handle(), call.pointer(y),
                        ((Tensor) dyDesc).handle(), call.pointer(dy), ((Tensor) xDesc).handle(), call.pointer(x), zero(xDesc.spec()),
                        ((Tensor) dxDesc).handle(), call.pointer(dx)),
                "cudnnPoolingBackward", () -> pooling.spec() + ": x " + xDesc.spec() + ", y " + yDesc.spec());
        call.done();
    }

    // ---------------------------------------------------------------------------------------------- workspace

    private record CudaWorkspace(Pointer pointer, long bytes) implements Workspace {
    }

    @Override
    public Workspace allocateWorkspace(long bytes) {
        Pointer pointer = new Pointer();
        int error = cudaMalloc(pointer, bytes);
        if (error != cudaSuccess) {
            cudaGetLastError();   // clear it, or the next libnd4j op that checks CUDA's last error would report it as its own
            throw new CudnnException("cudaMalloc", error, cudaGetErrorString(error).getString(), Workspaces.format(bytes)
                    + " of cuDNN workspace on GPU " + Nd4j.getAffinityManager().getDeviceForCurrentThread());
        }
        return new CudaWorkspace(pointer, bytes);
    }

    @Override
    public void freeWorkspace(Workspace workspace) {
        int error = cudaFree(((CudaWorkspace) workspace).pointer());
        if (error != cudaSuccess) {
            throw new CudnnException("cudaFree", error, cudaGetErrorString(error).getString(), Workspaces.format(workspace.bytes())
                    + " of cuDNN workspace");
        }
    }
}
