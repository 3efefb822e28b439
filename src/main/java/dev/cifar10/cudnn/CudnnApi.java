package dev.cifar10.cudnn;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * Every cuDNN and CUDA call the cuDNN path makes, in cuDNN's own terms, and nothing else: the seam between this
 * package's logic (plans, algorithm choice, workspace, the passes) and the GPU.
 *
 * <p>On a GPU the implementation is {@code dev.cifar10.cudnn.cuda.JavaCppCudnn} (in the cuda build only, loaded by
 * name): JavaCPP's cuDNN bindings on ND4J's device buffers and ND4J's CUDA stream. The tests' implementation
 * computes on the CPU and reads the arrays' memory only through the descriptors' sizes and strides, so a wrong
 * descriptor gives a wrong result there as it would on a GPU.
 *
 * <p>Contract of the data calls: arrays are ND4J arrays whose memory starts where the descriptor's element 0 is;
 * cuDNN's scaling factors are alpha = 1 and beta = 0 (the output is overwritten), except {@link #addTensor}
 * (beta = 1: the bias is added to y). Every call runs asynchronously on the calling thread's ND4J stream; none
 * waits for the GPU except the algorithm searches ({@link #findAlgorithms}) and freeing a workspace.
 * Every failure is a {@link CudnnException}.
 */
public interface CudnnApi {

    /**
     * Where the calling thread's work goes.
     *
     * @param ordinal the CUDA device (ND4J's device for this thread)
     * @param name    the GPU's name, for messages
     * @param stream  identifies the CUDA stream the calls are ordered on (ND4J's execution stream of this thread)
     */
    record Device(int ordinal, String name, long stream) {
    }

    /** A created cuDNN descriptor; {@link #destroy} releases it. */
    interface Descriptor {
        void destroy();
    }

    interface TensorDescriptor extends Descriptor {
        TensorSpec spec();
    }

    interface FilterDescriptor extends Descriptor {
        FilterSpec spec();
    }

    interface ConvolutionDescriptor extends Descriptor {
        ConvolutionSpec spec();
    }

    interface PoolingDescriptor extends Descriptor {
        PoolingSpec spec();
    }

    /** Device memory for cuDNN's scratch use. */
    interface Workspace {
        long bytes();
    }

    /**
     * One entry of a search or heuristic result ({@code cudnnConvolution*AlgoPerf_t}).
     *
     * @param status       cuDNN's status for this algorithm (0 = usable)
     * @param milliseconds measured time (searches), or -1 (heuristics)
     * @param memoryBytes  the workspace it needs
     * @param mathType     {@code cudnnMathType_t} it was timed with (0 = default: TF32 allowed on Ampere and newer)
     */
    record AlgorithmPerf(int algorithm, int status, float milliseconds, long memoryBytes, int mathType) {
        public boolean succeeded() {
            return status == 0;
        }
    }

    /** cuDNN's default math type: TF32 tensor cores allowed for float on compute capability 8.0 and newer. */
    int DEFAULT_MATH = 0;

    /** The calling thread's device and stream; no GPU work. */
    Device device();

    TensorDescriptor createTensor(TensorSpec spec);

    FilterDescriptor createFilter(FilterSpec spec);

    /** Created with the default math type; {@link #setMathType} sets the one the chosen algorithm was timed with. */
    ConvolutionDescriptor createConvolution(ConvolutionSpec spec);

    PoolingDescriptor createPooling(PoolingSpec spec);

    void setMathType(ConvolutionDescriptor convolution, int mathType);

    /**
     * Times every algorithm of {@code pass} on these descriptors ({@code cudnnFindConvolution*Algorithm}); fastest
     * first. Waits for the GPU and uses scratch memory of its own.
     *
     * @param x the input (forward, backward filter) or the input gradient (backward data)
     * @param y the output (forward) or the output gradient (backward passes)
     */
    List<AlgorithmPerf> findAlgorithms(ConvolutionPass pass, TensorDescriptor x, FilterDescriptor w, ConvolutionDescriptor convolution,
                                       TensorDescriptor y);

    /** cuDNN's heuristics for {@code pass} ({@code cudnnGetConvolution*Algorithm_v7}), best first; nothing runs on the GPU. */
    List<AlgorithmPerf> heuristicAlgorithms(ConvolutionPass pass, TensorDescriptor x, FilterDescriptor w, ConvolutionDescriptor convolution,
                                            TensorDescriptor y);

    /** The workspace {@code algorithm} needs for {@code pass} ({@code cudnnGetConvolution*WorkspaceSize}). */
    long workspaceSize(ConvolutionPass pass, TensorDescriptor x, FilterDescriptor w, ConvolutionDescriptor convolution, TensorDescriptor y,
                       int algorithm);

    /** y = conv(x, w) ({@code cudnnConvolutionForward}); {@code workspace} is null when the algorithm needs none. */
    void convolutionForward(TensorDescriptor xDesc, INDArray x, FilterDescriptor wDesc, INDArray w, ConvolutionDescriptor convolution,
                            int algorithm, Workspace workspace, TensorDescriptor yDesc, INDArray y);

    /** dx from w and dy ({@code cudnnConvolutionBackwardData}). */
    void convolutionBackwardData(FilterDescriptor wDesc, INDArray w, TensorDescriptor dyDesc, INDArray dy, ConvolutionDescriptor convolution,
                                 int algorithm, Workspace workspace, TensorDescriptor dxDesc, INDArray dx);

    /** dw from x and dy ({@code cudnnConvolutionBackwardFilter}). */
    void convolutionBackwardFilter(TensorDescriptor xDesc, INDArray x, TensorDescriptor dyDesc, INDArray dy, ConvolutionDescriptor convolution,
                                   int algorithm, Workspace workspace, FilterDescriptor dwDesc, INDArray dw);

    /** db = dy summed over N, H and W ({@code cudnnConvolutionBackwardBias}); {@code dbDesc} is [1, C, 1, 1]. */
    void convolutionBackwardBias(TensorDescriptor dyDesc, INDArray dy, TensorDescriptor dbDesc, INDArray db);

    /** y += bias, broadcast over N, H and W ({@code cudnnAddTensor}, beta = 1). */
    void addTensor(TensorDescriptor biasDesc, INDArray bias, TensorDescriptor yDesc, INDArray y);

    /** y = max pooling of x ({@code cudnnPoolingForward}). */
    void poolingForward(PoolingDescriptor pooling, TensorDescriptor xDesc, INDArray x, TensorDescriptor yDesc, INDArray y);

    /** dx from y (the forward output of exactly this x), dy and x ({@code cudnnPoolingBackward}). */
    void poolingBackward(PoolingDescriptor pooling, TensorDescriptor yDesc, INDArray y, TensorDescriptor dyDesc, INDArray dy,
                         TensorDescriptor xDesc, INDArray x, TensorDescriptor dxDesc, INDArray dx);

    /** {@code cudaMalloc} on the calling thread's device. */
    Workspace allocateWorkspace(long bytes);

    /** {@code cudaFree}, which waits until the GPU has finished with it. */
    void freeWorkspace(Workspace workspace);
}
