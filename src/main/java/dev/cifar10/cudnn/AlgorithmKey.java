package dev.cifar10.cudnn;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What an algorithm choice depends on, and so what the process-wide {@link AlgorithmCache} is keyed by: the pass,
 * the GPU, every descriptor (sizes, strides and so the layout, data type, padding, stride, dilation), the way of
 * choosing and the workspace limit. Two layers with the same shapes on the same GPU share one search.
 *
 * @param device the CUDA device ordinal
 * @param x      the input (forward, backward filter) or input gradient (backward data) descriptor
 * @param y      the output (forward) or output gradient (backward) descriptor
 */
public record AlgorithmKey(ConvolutionPass pass, int device, TensorSpec x, FilterSpec w, ConvolutionSpec convolution, TensorSpec y,
                           AlgorithmSelection selection, long workspaceLimit) {

    public CNN2DFormat layout() {
        return x.layout();
    }

    public DataType dataType() {
        return x.dataType();
    }

    @Override
    public String toString() {
        return pass + " " + x + " -> " + y + ", filter " + w + ", " + convolution + ", GPU " + device;
    }
}
