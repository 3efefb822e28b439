package dev.cifar10.cudnn;

import org.deeplearning4j.cuda.convolution.CudnnConvolutionHelper;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Field;
import java.util.List;

import static dev.cifar10.cudnn.Dl4jReference.relativeError;
import static org.junit.jupiter.api.Assertions.*;
import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

/**
 * The cuDNN convolution path's own logic, on {@link FakeCudnn} (cuDNN computed on the CPU through the descriptors):
 * results against DL4J's built-in layer in both layouts, the descriptors it builds, "same" padding, the algorithm
 * cache and rules, the shared workspace, the skipped input gradient, and how failures reach DL4J.
 */
class CudnnConvolutionTest extends OnFakeCudnn {
    /** float results of two correct implementations differ by rounding only (about 1e-6 here); a wrong stride, padding or layout by O(1) */
    static final double TOLERANCE = 1e-4;
    static final int[] NO_DILATION = {1, 1};

    /** A convolution call: the layer's configuration, its input size and batch. */
    record Conv(CNN2DFormat layout, int in, int out, int k, int s, ConvolutionMode mode, int h, int w, int batch, DataType type) {
        Conv(CNN2DFormat layout, int in, int out, int k, int s, ConvolutionMode mode, int size, int batch) {
            this(layout, in, out, k, s, mode, size, size, batch, DataType.FLOAT);
        }

        long[] inputShape() {
            return layout == CNN2DFormat.NCHW ? new long[]{batch, in, h, w} : new long[]{batch, h, w, in};
        }

        int[] kernel() {
            return new int[]{k, k};
        }

        int[] strides() {
            return new int[]{s, s};
        }

        /** The padding DL4J hands its helper: "same"'s top/left padding, else the configured (none). */
        int[] pad() {
            if (mode != ConvolutionMode.Same) return new int[]{0, 0};
            int[] outSize = {(h + s - 1) / s, (w + s - 1) / s};
            return ConvolutionUtils.getSameModeTopLeftPadding(outSize, new int[]{h, w}, kernel(), strides(), NO_DILATION);
        }

        Conv batch(int n) {
            return new Conv(layout, in, out, k, s, mode, h, w, n, type);
        }

        Conv layout(CNN2DFormat l) {
            return new Conv(l, in, out, k, s, mode, h, w, batch, type);
        }

        Conv type(DataType t) {
            return new Conv(layout, in, out, k, s, mode, h, w, batch, t);
        }
    }

    static final Conv NOTEBOOK_FIRST = new Conv(CNN2DFormat.NHWC, 3, 8, 3, 1, ConvolutionMode.Same, 8, 2);

    /** Weights, bias and input for {@code c}, and DL4J's built-in results for a random output gradient. */
    record Fixture(Conv c, INDArray input, INDArray weights, INDArray bias, INDArray epsilon, Dl4jReference.Pass expected) {
    }

    static Fixture fixture(Conv c) {
        Layer reference = Dl4jReference.builtIn(new ConvolutionLayer.Builder(c.k, c.k).stride(c.s, c.s).nOut(c.out).convolutionMode(c.mode)
                .activation(Activation.IDENTITY).dataFormat(c.layout).build(), c.type, c.layout, c.in, c.h, c.w);
        INDArray b = reference.getParam("b");
        b.assign(Nd4j.randn(c.type, b.shape()));
        INDArray input = Nd4j.randn(c.type, c.inputShape());
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        reference.setInput(input, mgr);
        INDArray epsilon = Nd4j.randn(c.type, reference.activate(true, mgr).shape());
        return new Fixture(c, input, reference.getParam("W").dup(), b.dup(), epsilon, Dl4jReference.run(reference, input, epsilon));
    }

    INDArray forward(ConvolutionImplementation conv, Fixture f) {
        return forward(conv, f, AlgoMode.PREFER_FASTEST, null);
    }

    INDArray forward(ConvolutionImplementation conv, Fixture f, AlgoMode mode, FwdAlgo algo) {
        Conv c = f.c();
        return conv.preOutput(f.input(), f.weights(), f.bias(), c.kernel(), c.strides(), c.pad(), mode, algo, c.mode(), NO_DILATION, c.layout(), mgr);
    }

    /** Backprop into gradient views that sit inside one flat array at an offset, as DL4J's do. */
    record Backward(Pair<Gradient, INDArray> result, INDArray weightGradient, INDArray biasGradient, INDArray flat) {
    }

    Backward backward(ConvolutionImplementation conv, Fixture f) {
        Conv c = f.c();
        long bLen = f.bias().length(), wLen = f.weights().length();
        INDArray flat = Nd4j.zeros(c.type(), 1, 5 + bLen + wLen);
        INDArray bGrad = flat.get(all(), interval(5, 5 + bLen));
        INDArray wGrad = flat.get(all(), interval(5 + bLen, 5 + bLen + wLen)).reshape('c', f.weights().shape());
        Pair<Gradient, INDArray> result = conv.backpropGradient(f.input(), f.weights(), f.bias(), f.epsilon(), c.kernel(), c.strides(), c.pad(),
                bGrad, wGrad, Activation.IDENTITY.getActivationFunction(), AlgoMode.PREFER_FASTEST, null, null, c.mode(), NO_DILATION,
                c.layout(), mgr);
        return new Backward(result, flat.get(all(), interval(5 + bLen, 5 + bLen + wLen)).reshape(f.weights().shape()),
                flat.get(all(), interval(5, 5 + bLen)), flat);
    }

    void assertMatches(Fixture f, INDArray output, Backward b, boolean inputGradient) {
        Dl4jReference.Pass e = f.expected();
        assertArrayEquals(e.output().shape(), output.shape());
        assertTrue(relativeError(output, e.output()) < TOLERANCE, "forward error " + relativeError(output, e.output()));
        assertTrue(relativeError(b.weightGradient(), e.weightGradient()) < TOLERANCE, "weight gradient error "
                + relativeError(b.weightGradient(), e.weightGradient()));
        assertTrue(relativeError(b.biasGradient(), e.biasGradient().reshape(b.biasGradient().shape())) < TOLERANCE, "bias gradient error");
        assertEquals(0.0, b.flat().get(all(), interval(0, 5)).sumNumber().doubleValue(), "nothing written before the gradient views");
        if (inputGradient) {
            assertArrayEquals(e.inputGradient().shape(), b.result().getSecond().shape());
            assertTrue(relativeError(b.result().getSecond(), e.inputGradient()) < TOLERANCE, "input gradient error "
                    + relativeError(b.result().getSecond(), e.inputGradient()));
        }
    }

    @ParameterizedTest(name = "{0}: {1} -> {2} channels, kernel {3}, stride {4}, {5}, {6}x{6}")
    @CsvSource({
            "NCHW, 3, 8, 3, 1, Same, 8", "NHWC, 3, 8, 3, 1, Same, 8",
            "NCHW, 4, 6, 5, 1, Same, 9", "NHWC, 4, 6, 5, 1, Same, 9",
            "NCHW, 4, 6, 3, 2, Truncate, 9", "NHWC, 4, 6, 3, 2, Truncate, 9",
            "NCHW, 5, 4, 3, 2, Same, 7", "NHWC, 5, 4, 3, 2, Same, 7"})
    void matchesDl4jsBuiltInLayerInBothLayouts(CNN2DFormat layout, int in, int out, int k, int s, ConvolutionMode mode, int size) {
        Fixture f = fixture(new Conv(layout, in, out, k, s, mode, size, 3));
        CudnnConvolution conv = new CudnnConvolution(runtime, DataType.FLOAT);
        assertMatches(f, forward(conv, f), backward(conv, f), true);
        assertEquals(0, conv.layoutCopies(), "DL4J's arrays here are packed");
    }

    /** Height and width never swapped: a 3x5 kernel with strides 1x2 on a 7x9 image ("same": padding 1x2). */
    @ParameterizedTest
    @EnumSource(value = CNN2DFormat.class)
    void nonSquareKernelStrideAndImage(CNN2DFormat layout) {
        LayerWorkspaceMgr none = LayerWorkspaceMgr.noWorkspaces();
        Layer reference = Dl4jReference.builtIn(new ConvolutionLayer.Builder(3, 5).stride(1, 2).nOut(4).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.IDENTITY).dataFormat(layout).build(), DataType.FLOAT, layout, 3, 7, 9);
        INDArray b = reference.getParam("b").assign(Nd4j.randn(DataType.FLOAT, 1, 4));
        INDArray input = Nd4j.randn(DataType.FLOAT, layout == CNN2DFormat.NCHW ? new long[]{2, 3, 7, 9} : new long[]{2, 7, 9, 3});
        reference.setInput(input, none);
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, reference.activate(true, none).shape());
        Dl4jReference.Pass expected = Dl4jReference.run(reference, input, epsilon);
        CudnnConvolution conv = new CudnnConvolution(runtime, DataType.FLOAT);
        int[] kernel = {3, 5}, strides = {1, 2}, pad = {1, 2};
        INDArray output = conv.preOutput(input, reference.getParam("W"), b, kernel, strides, pad, AlgoMode.PREFER_FASTEST, null,
                ConvolutionMode.Same, NO_DILATION, layout, mgr);
        INDArray wGrad = Nd4j.zeros(DataType.FLOAT, 4, 3, 3, 5), bGrad = Nd4j.zeros(DataType.FLOAT, 1, 4);
        INDArray inputGradient = conv.backpropGradient(input, reference.getParam("W"), b, epsilon, kernel, strides, pad, bGrad, wGrad,
                Activation.IDENTITY.getActivationFunction(), AlgoMode.PREFER_FASTEST, null, null, ConvolutionMode.Same, NO_DILATION, layout,
                mgr).getSecond();
        assertEquals(List.of(new ConvolutionSpec(1, 2, 1, 2, 1, 1, DataType.FLOAT)), fake.convolutions.subList(0, 1));
        assertTrue(relativeError(output, expected.output()) < TOLERANCE, "forward");
        assertTrue(relativeError(wGrad, expected.weightGradient()) < TOLERANCE, "weight gradient");
        assertTrue(relativeError(inputGradient, expected.inputGradient()) < TOLERANCE, "input gradient");
    }

    @Test
    void doubleAsWell() {
        Fixture f = fixture(new Conv(CNN2DFormat.NCHW, 3, 4, 3, 1, ConvolutionMode.Same, 6, 2).type(DataType.DOUBLE));
        CudnnConvolution conv = new CudnnConvolution(runtime, DataType.DOUBLE);
        assertMatches(f, forward(conv, f), backward(conv, f), true);
        assertEquals(DataType.DOUBLE, fake.tensors.get(0).dataType());
        assertEquals(DataType.DOUBLE, fake.convolutions.get(0).computeType());
    }

    @ParameterizedTest
    @EnumSource(value = CNN2DFormat.class)
    void descriptorsDescribeTheLayoutPacked(CNN2DFormat layout) {
        Fixture f = fixture(new Conv(layout, 3, 8, 3, 1, ConvolutionMode.Same, 5, 6, 2, DataType.FLOAT));
        new CudnnConvolution(runtime, DataType.FLOAT).preOutput(f.input(), f.weights(), f.bias(), new int[]{3, 3}, new int[]{1, 1},
                new int[]{1, 1}, AlgoMode.PREFER_FASTEST, null, ConvolutionMode.Same, NO_DILATION, layout, mgr);
        // input [2, 3, 5, 6] and output [2, 8, 5, 6] in cuDNN's N, C, H, W order; the strides carry the layout
        TensorSpec x = layout == CNN2DFormat.NCHW
                ? new TensorSpec(DataType.FLOAT, 2, 3, 5, 6, 90, 30, 6, 1) : new TensorSpec(DataType.FLOAT, 2, 3, 5, 6, 90, 1, 18, 3);
        TensorSpec y = layout == CNN2DFormat.NCHW
                ? new TensorSpec(DataType.FLOAT, 2, 8, 5, 6, 240, 30, 6, 1) : new TensorSpec(DataType.FLOAT, 2, 8, 5, 6, 240, 1, 48, 8);
        TensorSpec bias = new TensorSpec(DataType.FLOAT, 1, 8, 1, 1, 8, 1, 1, 1);
        assertEquals(List.of(x, y, bias), fake.tensors);
        assertEquals(layout, x.layout());
        assertEquals(List.of(new FilterSpec(DataType.FLOAT, CNN2DFormat.NCHW, 8, 3, 3, 3)), fake.filters, "DL4J's [out, in, kH, kW] is KCRS");
        assertEquals(List.of(new ConvolutionSpec(1, 1, 1, 1, 1, 1, DataType.FLOAT)), fake.convolutions);
    }

    @Test
    void samePaddingIsSymmetricOrDeclined() {
        CudnnConvolution conv = new CudnnConvolution(runtime, DataType.FLOAT);
        // 3x3 stride 1: 1 each side; 5x5: 2; 3x3 stride 2 on 7: total 2, 1 each side
        for (Conv c : List.of(new Conv(CNN2DFormat.NCHW, 2, 3, 3, 1, ConvolutionMode.Same, 6, 1),
                new Conv(CNN2DFormat.NCHW, 2, 3, 5, 1, ConvolutionMode.Same, 6, 1), new Conv(CNN2DFormat.NCHW, 2, 3, 3, 2, ConvolutionMode.Same, 7, 1))) {
            assertNotNull(forward(conv, fixture(c)));
        }
        assertEquals(List.of(1, 2, 1), fake.convolutions.stream().map(ConvolutionSpec::padH).toList());
        assertEquals(List.of(1, 2, 1), fake.convolutions.stream().map(ConvolutionSpec::padW).toList());

        // 3x3 stride 2 on 6 and 2x2 stride 1 on 5 need one more row and column at the bottom/right than at the top/left:
        // cuDNN pads symmetrically, so the call is declined (DL4J computes it) before anything reaches cuDNN
        int callsBefore = fake.calls.values().stream().mapToInt(Integer::intValue).sum();
        for (Conv c : List.of(new Conv(CNN2DFormat.NCHW, 2, 3, 3, 2, ConvolutionMode.Same, 6, 1),
                new Conv(CNN2DFormat.NHWC, 2, 3, 2, 1, ConvolutionMode.Same, 5, 1))) {
            Fixture f = fixture(c);
            assertNull(forward(conv, f), c + " forward");
            assertNull(backward(conv, f).result(), c + " backward");
        }
        assertEquals(callsBefore, fake.calls.values().stream().mapToInt(Integer::intValue).sum(), "declined before any cuDNN call");
    }

    @Test
    void oneSearchPerShapeLayoutTypeAndGpu() {
        CudnnConvolution conv = new CudnnConvolution(runtime, DataType.FLOAT);
        Fixture f = fixture(NOTEBOOK_FIRST);
        forward(conv, f);
        assertEquals(1, fake.count("find forward"));
        int descriptors = fake.tensors.size() + fake.filters.size() + fake.convolutions.size();
        int sizeQueries = fake.count("workspaceSize forward");
        int mathTypes = fake.count("cudnnSetConvolutionMathType");

        forward(conv, f);   // the next step: same shapes
        forward(conv, fixture(NOTEBOOK_FIRST));
        assertEquals(1, fake.count("find forward"), "a step of known shapes searches nothing");
        assertEquals(descriptors, fake.tensors.size() + fake.filters.size() + fake.convolutions.size(), "nor builds descriptors");
        assertEquals(sizeQueries, fake.count("workspaceSize forward"), "nor asks workspace sizes");
        assertEquals(mathTypes, fake.count("cudnnSetConvolutionMathType"), "nor sets the math type again");

        forward(conv, fixture(NOTEBOOK_FIRST.batch(1)));   // the last, partial batch
        assertEquals(2, fake.count("find forward"));
        assertEquals(2, conv.plans());
        forward(conv, fixture(NOTEBOOK_FIRST.layout(CNN2DFormat.NCHW)));
        assertEquals(3, fake.count("find forward"), "the layout is in the key");
        CudnnConvolution doubles = new CudnnConvolution(runtime, DataType.DOUBLE);
        forward(doubles, fixture(NOTEBOOK_FIRST.type(DataType.DOUBLE)));
        assertEquals(4, fake.count("find forward"), "the data type is in the key");

        CudnnConvolution secondLayer = new CudnnConvolution(runtime, DataType.FLOAT);   // another layer of the same shapes
        forward(secondLayer, f);
        assertEquals(4, fake.count("find forward"), "layers of the same shapes share the search");
        fake.device = new CudnnApi.Device(1, "second GPU", 2);
        forward(secondLayer, f);
        assertEquals(5, fake.count("find forward"), "the GPU is in the key");

        assertEquals(5, runtime.algorithms().searches());
        assertEquals(5, runtime.algorithms().entries().size());
        assertTrue(runtime.algorithms().entries().keySet().stream().allMatch(k -> k.pass() == ConvolutionPass.FORWARD));
    }

    @Test
    void backwardSearchesFilterAndDataOncePerShape() {
        CudnnConvolution conv = new CudnnConvolution(runtime, DataType.FLOAT);
        Fixture f = fixture(NOTEBOOK_FIRST);
        forward(conv, f);
        backward(conv, f);
        backward(conv, f);
        assertEquals(1, fake.count("find forward"));
        assertEquals(1, fake.count("find backward filter"));
        assertEquals(1, fake.count("find backward data"));
        assertEquals(3, fake.convolutions.size(), "one convolution descriptor per pass, each with its algorithm's math type");
        assertEquals(2, fake.count("cudnnConvolutionBackwardFilter"));
        assertEquals(2, fake.count("cudnnConvolutionBackwardBias"));
    }

    AlgorithmChoice chosen(CudnnConvolution conv, ConvolutionPass pass) {
        return conv.algorithms().values().iterator().next().get(pass);
    }

    @Test
    void algorithmRules() {
        Fixture f = fixture(NOTEBOOK_FIRST);
        long need1 = fake.need(1, TensorSpec.packed(DataType.FLOAT, CNN2DFormat.NHWC, 2, 3, 8, 8));

        CudnnConvolution search = new CudnnConvolution(runtime, DataType.FLOAT);
        forward(search, f);
        assertEquals(1, chosen(search, ConvolutionPass.FORWARD).algorithm(), "the fastest the search timed");
        assertEquals("search", chosen(search, ConvolutionPass.FORWARD).source());

        CudnnConvolution noWorkspace = new CudnnConvolution(runtime, DataType.FLOAT);
        forward(noWorkspace, f, AlgoMode.NO_WORKSPACE, null);
        assertEquals(0, chosen(noWorkspace, ConvolutionPass.FORWARD).algorithm(), "the fastest without workspace");
        assertEquals(0, chosen(noWorkspace, ConvolutionPass.FORWARD).workspaceBytes());

        CudnnConvolution configured = new CudnnConvolution(runtime, DataType.FLOAT);
        int searches = fake.count("find forward");
        forward(configured, f, AlgoMode.USER_SPECIFIED, FwdAlgo.WINOGRAD);
        assertEquals(6, chosen(configured, ConvolutionPass.FORWARD).algorithm(), "the layer's own choice");
        assertEquals(searches, fake.count("find forward"), "without a search");
        CudnnConvolution unsupported = new CudnnConvolution(runtime, DataType.FLOAT);
        assertThrows(CudnnException.class, () -> forward(unsupported, f, AlgoMode.USER_SPECIFIED, FwdAlgo.GEMM), "cuDNN refuses it");
        assertThrows(IllegalArgumentException.class, () -> forward(unsupported, f, AlgoMode.USER_SPECIFIED, FwdAlgo.COUNT));

        CudnnRuntime heuristics = fake.runtime(AlgorithmRule.HEURISTICS);
        CudnnConvolution byHeuristics = new CudnnConvolution(heuristics, DataType.FLOAT);
        forward(byHeuristics, f);
        assertEquals(3, chosen(byHeuristics, ConvolutionPass.FORWARD).algorithm(), "cuDNN's heuristics' first");
        assertEquals(0, heuristics.algorithms().searches());

        fake.searchFails = true;
        CudnnRuntime failing = fake.runtime(AlgorithmRule.SEARCH);
        CudnnConvolution afterFailedSearch = new CudnnConvolution(failing, DataType.FLOAT);
        INDArray out = forward(afterFailedSearch, f);
        assertEquals(3, chosen(afterFailedSearch, ConvolutionPass.FORWARD).algorithm(), "a failed search falls back on the heuristics");
        assertTrue(relativeError(out, f.expected().output()) < TOLERANCE);
        fake.searchFails = false;

        CudnnRuntime limited = new CudnnRuntime(fake, AlgorithmRule.SEARCH, need1 - 1);
        CudnnConvolution withinLimit = new CudnnConvolution(limited, DataType.FLOAT);
        forward(withinLimit, f);
        assertEquals(0, chosen(withinLimit, ConvolutionPass.FORWARD).algorithm(), "algorithms 1 and 3 need more than the limit");
    }

    @Test
    void theChosenMathTypeIsSetOnThePassDescriptor() {
        FakeCudnn tensorOps = new FakeCudnn() {
            @Override
            public List<AlgorithmPerf> findAlgorithms(ConvolutionPass pass, TensorDescriptor x, FilterDescriptor w,
                                                      ConvolutionDescriptor convolution, TensorDescriptor y) {
                super.findAlgorithms(pass, x, w, convolution, y);
                return List.of(new AlgorithmPerf(1, 0, 0.1f, need(1, x.spec()), 1), new AlgorithmPerf(0, 0, 0.3f, 0, DEFAULT_MATH));
            }
        };
        CudnnRuntime r = tensorOps.runtime(AlgorithmRule.SEARCH);
        CudnnConvolution conv = new CudnnConvolution(r, DataType.FLOAT);
        forward(conv, fixture(NOTEBOOK_FIRST));
        assertEquals(1, tensorOps.count("cudnnSetConvolutionMathType"));
        assertEquals(1, chosen(conv, ConvolutionPass.FORWARD).mathType());
    }

    @Test
    void oneWorkspacePerGpuGrowsToTheLargestNeedAndNeverShrinks() {
        CudnnConvolution conv = new CudnnConvolution(runtime, DataType.FLOAT);
        Fixture two = fixture(NOTEBOOK_FIRST.batch(2)), four = fixture(NOTEBOOK_FIRST.batch(4));
        for (int step = 0; step < 3; step++) {
            forward(conv, two);
            backward(conv, two);
        }
        assertEquals(List.of(2048L), fake.allocations, "one allocation, of the need (1 KiB per image), for all three passes and steps");

        for (int step = 0; step < 3; step++) {
            forward(conv, four);
            backward(conv, four);
        }
        assertEquals(List.of(2048L, 4096L), fake.allocations, "grown once for the larger batch");
        assertEquals(1, fake.freed, "the old one freed");

        forward(conv, two);
        backward(conv, two);
        forward(new CudnnConvolution(runtime, DataType.FLOAT), two);   // another layer: the same workspace
        assertEquals(List.of(2048L, 4096L), fake.allocations, "never shrinks, never per call, shared by layers");
        assertEquals(4096L, runtime.workspaces().bytes(fake.device));
        assertTrue(fake.workspacesUsed.subList(fake.workspacesUsed.size() - 4, fake.workspacesUsed.size()).stream().allMatch(b -> b == 4096L),
                "every call gets the current (largest) workspace");
        assertEquals(4096L, conv.helperMemoryUse().get("cudnnWorkspaceNeeded"), "this layer's largest need");

        fake.device = new CudnnApi.Device(0, "CPU stand-in", 7);   // another thread's stream on the same GPU
        forward(conv, two);
        assertEquals(List.of(2048L, 4096L, 2048L), fake.allocations, "its own workspace: kernels on two streams may overlap");
    }

    @Test
    void aWorkspaceThatCannotBeAllocatedFallsToTheNextAlgorithm() {
        fake.refuseAllocation = bytes -> bytes > 3000;   // algorithm 1 needs 4096 for 4 images, algorithm 3 twice that
        CudnnConvolution conv = new CudnnConvolution(runtime, DataType.FLOAT);
        Fixture f = fixture(NOTEBOOK_FIRST.batch(4));
        INDArray out = forward(conv, f);
        assertEquals(0, chosen(conv, ConvolutionPass.FORWARD).algorithm());
        assertTrue(relativeError(out, f.expected().output()) < TOLERANCE);
    }

    @Test
    void withoutInputGradientTheBackwardDataPassIsSkipped() {
        Fixture f = fixture(NOTEBOOK_FIRST);
        CudnnConvolutionHelper first = new CudnnConvolutionHelper(DataType.FLOAT, runtime);
        first.setInputGradientNeeded(false);
        INDArray out = forward((ConvolutionImplementation) first.implementation(), f);
        Backward b = backward(first.implementation(), f);
        assertNull(b.result().getSecond(), "no input gradient");
        assertEquals(0, fake.count("cudnnConvolutionBackwardData"));
        assertEquals(0, fake.count("find backward data"), "not even its algorithm is searched");
        assertMatches(f, out, b, false);

        first.setInputGradientNeeded(true);
        b = backward(first.implementation(), f);
        assertEquals(1, fake.count("cudnnConvolutionBackwardData"));
        assertMatches(f, out, b, true);
    }

    @Test
    void anOutputGradientInAnotherLayoutIsCopiedIntoTheLayerLayout() {
        // DL4J's own ReLU hands an NHWC layer an NHWC view of NCHW memory
        Fixture f = fixture(NOTEBOOK_FIRST);
        INDArray nchwMemory = f.epsilon().permute(0, 3, 1, 2).dup('c');
        INDArray strided = nchwMemory.permute(0, 2, 3, 1);
        assertEquals(f.epsilon(), strided);
        Fixture g = new Fixture(f.c(), f.input(), f.weights(), f.bias(), strided, f.expected());
        CudnnConvolution conv = new CudnnConvolution(runtime, DataType.FLOAT);
        assertMatches(g, forward(conv, g), backward(conv, g), true);
        assertEquals(1, conv.layoutCopies());
    }

    @Test
    void halfAndOtherTypesAreDeclined() {
        assertFalse(new CudnnConvolution(runtime, DataType.HALF).checkSupported());
        assertFalse(new CudnnConvolution(runtime, DataType.INT).checkSupported());
        Fixture f = fixture(NOTEBOOK_FIRST);
        assertNull(forward(new CudnnConvolution(runtime, DataType.DOUBLE), f), "float arrays for a double layer: declined");
    }

    @Test
    void plansBeyondTheCapacityAreDestroyed() {
        CudnnConvolution conv = new CudnnConvolution(runtime, DataType.FLOAT);
        for (int batch = 1; batch <= PlanCache.CAPACITY + 2; batch++) forward(conv, fixture(NOTEBOOK_FIRST.batch(batch)));
        assertEquals(PlanCache.CAPACITY, conv.plans());
        assertEquals(2 * 5, fake.destroyed, "two plans' x, y, w, bias and forward convolution descriptors");
    }

    @Test
    void aCudnnErrorNamesThePassTheInputAndTheCall() {
        fake.failing = name -> name.equals("cudnnConvolutionForward");
        CudnnConvolutionHelper helper = new CudnnConvolutionHelper(DataType.FLOAT, runtime);
        Fixture f = fixture(NOTEBOOK_FIRST);
        Conv c = f.c();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> helper.preOutput(f.input(), f.weights(), f.bias(),
                c.kernel(), c.strides(), c.pad(), AlgoMode.PREFER_FASTEST, null, c.mode(), NO_DILATION, c.layout(), mgr));
        assertTrue(e.getMessage().startsWith("cudnn convolution forward pass failed for input [2, 8, 8, 3] FLOAT: cudnnConvolutionForward returned 8 "
                + "(CUDNN_STATUS_EXECUTION_FAILED)"), e.getMessage());
        assertFalse(e.getMessage().contains("Failed to allocate"), "DL4J would rethrow instead of falling back");
    }

    @Test
    void dl4jsLayerFallsBackToItsOwnCodeWhenCudnnFails() throws ReflectiveOperationException {
        fake.failing = name -> name.equals("cudnnConvolutionForward");
        Conv c = NOTEBOOK_FIRST;
        Fixture f = fixture(c);
        Layer layer = Dl4jReference.builtIn(new ConvolutionLayer.Builder(c.k, c.k).stride(c.s, c.s).nOut(c.out).convolutionMode(c.mode)
                .activation(Activation.IDENTITY).dataFormat(c.layout).build(), c.type, c.layout, c.in, c.h, c.w);
        layer.setParam("W", f.weights());
        layer.setParam("b", f.bias());
        Field helper = org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class.getDeclaredField("helper");
        helper.setAccessible(true);
        helper.set(layer, new CudnnConvolutionHelper(DataType.FLOAT, runtime));
        for (int call = 0; call < 2; call++) {
            layer.setInput(f.input(), mgr);
            assertTrue(relativeError(layer.activate(false, mgr), f.expected().output()) < TOLERANCE, "DL4J's own result");
        }
        Field failures = org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class.getDeclaredField("helperCountFail");
        failures.setAccessible(true);
        assertEquals(1, failures.getInt(layer));
        assertEquals(1, fake.count("cudnnConvolutionForward"), "after one failure the layer stops calling its helper");
    }
}
