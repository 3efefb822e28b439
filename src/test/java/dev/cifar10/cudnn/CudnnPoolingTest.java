package dev.cifar10.cudnn;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static dev.cifar10.cudnn.Dl4jReference.relativeError;
import static org.junit.jupiter.api.Assertions.*;

/** The cuDNN max-pooling path on {@link FakeCudnn}, against DL4J's built-in pooling, in both layouts. */
class CudnnPoolingTest extends OnFakeCudnn {
    static final int[] NO_DILATION = {1, 1};

    record Pooled(INDArray input, INDArray epsilon, INDArray output, INDArray inputGradient) {
    }

    static Pooled reference(CNN2DFormat layout, int k, int s, ConvolutionMode mode, int size) {
        int channels = 4, batch = 2;
        Layer layer = Dl4jReference.builtIn(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(k, k).stride(s, s).convolutionMode(mode)
                .dataFormat(layout).build(), DataType.FLOAT, layout, channels, size, size);
        INDArray input = Nd4j.randn(DataType.FLOAT, layout == CNN2DFormat.NCHW ? new long[]{batch, channels, size, size}
                : new long[]{batch, size, size, channels});
        layer.setInput(input, LayerWorkspaceMgr.noWorkspaces());
        INDArray output = layer.activate(true, LayerWorkspaceMgr.noWorkspaces()).dup();
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, output.shape());
        INDArray inputGradient = layer.backpropGradient(epsilon, LayerWorkspaceMgr.noWorkspaces()).getSecond().dup();
        return new Pooled(input, epsilon, output, inputGradient);
    }

    @ParameterizedTest(name = "{0}: max {1}x{1} stride {2}, {3}, {4}x{4}")
    @CsvSource({"NCHW, 2, 2, Same, 8", "NHWC, 2, 2, Same, 8", "NCHW, 3, 2, Truncate, 9", "NHWC, 3, 2, Truncate, 9",
            "NCHW, 3, 1, Same, 6", "NHWC, 3, 1, Same, 6"})
    void matchesDl4jsBuiltInPooling(CNN2DFormat layout, int k, int s, ConvolutionMode mode, int size) {
        Pooled expected = reference(layout, k, s, mode, size);
        CudnnPooling pooling = new CudnnPooling(runtime, DataType.FLOAT);
        int[] kernel = {k, k}, strides = {s, s}, pad = {0, 0};
        INDArray output = pooling.activate(expected.input(), true, kernel, strides, pad, PoolingType.MAX, mode, NO_DILATION, layout, mgr);
        assertEquals(0.0, relativeError(output, expected.output()), 1e-6, "forward");
        INDArray inputGradient = pooling.backpropGradient(expected.input(), expected.epsilon(), kernel, strides, pad, PoolingType.MAX, mode,
                NO_DILATION, layout, mgr).getSecond();
        assertEquals(0.0, relativeError(inputGradient, expected.inputGradient()), 1e-6, "backward");
        assertEquals(2, fake.count("cudnnPoolingForward"), "the backward pass computes y again: DL4J does not hand it over");
        assertEquals(1, pooling.plans(), "one plan for the shape");
        assertEquals(layout, fake.tensors.get(0).layout());
    }

    @Test
    void theNotebooksPoolingDescriptor() {
        Pooled expected = reference(CNN2DFormat.NHWC, 2, 2, ConvolutionMode.Same, 8);
        new CudnnPooling(runtime, DataType.FLOAT).backpropGradient(expected.input(), expected.epsilon(), new int[]{2, 2}, new int[]{2, 2},
                new int[]{0, 0}, PoolingType.MAX, ConvolutionMode.Same, NO_DILATION, CNN2DFormat.NHWC, mgr);
        assertEquals(List.of(new PoolingSpec(2, 2, 0, 0, 2, 2)), fake.poolings);
        assertEquals(List.of(new TensorSpec(DataType.FLOAT, 2, 4, 8, 8, 256, 1, 32, 4), new TensorSpec(DataType.FLOAT, 2, 4, 4, 4, 64, 1, 16, 4)),
                fake.tensors);
    }

    @Test
    void whatCudnnCannotComputeExactlyIsDeclined() {
        CudnnPooling pooling = new CudnnPooling(runtime, DataType.FLOAT);
        INDArray odd = Nd4j.randn(DataType.FLOAT, 2, 4, 7, 7);
        // 2x2/2 "same" on 7: one more row and column at the bottom/right
        assertNull(pooling.activate(odd, true, new int[]{2, 2}, new int[]{2, 2}, new int[]{0, 0}, PoolingType.MAX, ConvolutionMode.Same,
                NO_DILATION, CNN2DFormat.NCHW, mgr));
        INDArray even = Nd4j.randn(DataType.FLOAT, 2, 4, 8, 8);
        for (PoolingType other : List.of(PoolingType.AVG, PoolingType.SUM, PoolingType.PNORM)) {
            assertNull(pooling.activate(even, true, new int[]{2, 2}, new int[]{2, 2}, new int[]{0, 0}, other, ConvolutionMode.Same,
                    NO_DILATION, CNN2DFormat.NCHW, mgr), other.toString());
        }
        assertNull(pooling.activate(even, true, new int[]{2, 2}, new int[]{2, 2}, new int[]{0, 0}, PoolingType.MAX, ConvolutionMode.Truncate,
                new int[]{2, 2}, CNN2DFormat.NCHW, mgr), "dilation");
        assertTrue(fake.calls.isEmpty(), "nothing reached cuDNN");
        assertFalse(new CudnnPooling(runtime, DataType.HALF).checkSupported());
    }
}
