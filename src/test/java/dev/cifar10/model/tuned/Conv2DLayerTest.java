package dev.cifar10.model.tuned;

import dev.cifar10.model.NotebookCnn;
import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import dev.cifar10.backend.LayerHelpers;
import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import static dev.cifar10.model.tuned.ReluTest.assertSameValues;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Conv2D}/{@link Conv2DLayer} compute exactly what DL4J's own convolution layer computes (output, gradients,
 * training steps), with the oneDNN helper and without; the whole NHWC stack (ChannelsLast, Conv2D, Relu, oneDNN)
 * agrees with DL4J's built-in NHWC code; the pre-activation kept from the forward pass spares the second convolution
 * and is never used for another input; the notebook's model survives a save and load, and models saved before
 * these classes existed still load.
 *
 * <p>The exact comparisons give both networks {@link Relu}: with DL4J's own {@link ActivationReLU}, DL4J's layer
 * computes wrong gradients in NHWC with oneDNN ({@link #dl4jsOwnReluGivesWrongGradientsInNhwcWithOneDnn}).
 */
class Conv2DLayerTest {
    private static final int N = 5, H = 12, W = 10, C = 3, CLASSES = 3;

    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults()); // CPU, oneDNN helpers on
    }

    /**
     * Two convolutions (the second with stride 2, on a non-square image), pooling, dense, softmax; NHWC inside.
     *
     * @param conv2d the project's {@link Conv2D}, else DL4J's ConvolutionLayer
     * @param relu   the project's {@link Relu}, else DL4J's ActivationReLU
     */
    private static MultiLayerConfiguration smallNet(boolean conv2d, boolean relu) {
        return smallNet(conv2d, () -> relu ? new Relu() : new ActivationReLU());
    }

    /** As {@link #smallNet(boolean, boolean)}, with the activation {@code activation} gives. */
    private static MultiLayerConfiguration smallNet(boolean conv2d, Supplier<IActivation> activation) {
        var list = new NeuralNetConfiguration.Builder()
                .seed(12345)
                .dataType(DataType.FLOAT)
                .updater(new Adam(1e-2))
                .weightInit(WeightInit.XAVIER_UNIFORM)
                .biasInit(0.05)
                .convolutionMode(ConvolutionMode.Same)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .cacheMode(CacheMode.NONE)
                .list();
        list.inputPreProcessor(0, new ChannelsLast());
        return list
                .layer(conv(4, 1, conv2d, activation.get()))
                .layer(conv(6, 2, conv2d, activation.get()))
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(8).activation(activation.get()).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(H, W, C))
                .build();
    }

    private static ConvolutionLayer conv(int filters, int stride, boolean conv2d, IActivation activation) {
        var builder = new ConvolutionLayer.Builder(3, 3).stride(stride, stride).nOut(filters).activation(activation);
        return conv2d ? new Conv2D(builder) : builder.build();
    }

    private static MultiLayerNetwork build(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** A network with DL4J's convolution layer and one with the project's; twins() gives both Relu and the same parameters. */
    private record Twins(MultiLayerNetwork dl4j, MultiLayerNetwork project) {
    }

    private static Twins twins(boolean helpers) {
        return withHelpers(helpers, () -> {
            MultiLayerNetwork dl4j = build(smallNet(false, true));
            MultiLayerNetwork project = build(smallNet(true, true));
            project.setParams(dl4j.params().dup());
            return new Twins(dl4j, project);
        });
    }

    @ParameterizedTest(name = "helpers {0}")
    @ValueSource(booleans = {true, false})
    void sameOutputGradientsAndStepsAsDl4jsConvolutionLayer(boolean helpers) {
        Nd4j.getRandom().setSeed(99);
        INDArray x = Nd4j.randn(DataType.FLOAT, N, C, H, W);
        INDArray y = oneHot(N);
        Twins nets = twins(helpers);
        assertInstanceOf(Conv2DLayer.class, nets.project().getLayer(0));
        assertInstanceOf(Conv2DLayer.class, nets.project().getLayer(1));
        assertNotEquals(Conv2DLayer.class, nets.dl4j().getLayer(0).getClass());
        Map<String, Map<String, Integer>> expectedHelpers = helpers
                ? Map.of("convolution", Map.of("MKLDNNConvHelper", 2), "subsampling", Map.of("MKLDNNSubsamplingHelper", 1))
                : Map.of("convolution", Map.of(LayerHelpers.BUILT_IN, 2), "subsampling", Map.of(LayerHelpers.BUILT_IN, 1));
        assertEquals(expectedHelpers, LayerHelpers.attached(nets.dl4j()));
        assertEquals(expectedHelpers, LayerHelpers.attached(nets.project()));
        assertEquals(CNN2DFormat.NHWC, ((ConvolutionLayer) nets.project().getLayer(0).conf().getLayer()).getCnn2dDataFormat());

        for (int step = 1; step <= 2; step++) {
            String when = "step " + step + ", helpers " + helpers;
            assertSameValues(nets.dl4j().output(x), nets.project().output(x), "output before " + when);

            Map<String, INDArray> expected = gradients(nets.dl4j(), x, y), actual = gradients(nets.project(), x, y);
            assertEquals(expected.keySet(), actual.keySet());
            expected.forEach((param, g) -> assertSameValues(g, actual.get(param), "gradient of " + param + ", " + when));
            assertTrue(expected.get("0_W").norm2Number().doubleValue() > 0, "the first convolution gets a gradient");
            assertEquals(nets.dl4j().score(), nets.project().score(), 0.0, "score, " + when);

            nets.dl4j().fit(x, y);
            nets.project().fit(x, y);
            assertSameValues(nets.dl4j().params(), nets.project().params(), "parameters after " + when);
        }
    }

    /**
     * The kept pre-activation is z itself, not the activation computed over it: ReLU's gradient reads only z's signs,
     * which its activation keeps, so this takes an activation whose gradient reads z's values (tanh; DL4J's tanh
     * backprop writes in place, so DL4J's layer is right with it in NHWC with oneDNN).
     */
    @Test
    void sameGradientsAsDl4jsConvolutionLayerForAnActivationOtherThanRelu() {
        var nets = withHelpers(true, () -> new Twins(build(smallNet(false, ActivationTanH::new)), build(smallNet(true, ActivationTanH::new))));
        nets.project().setParams(nets.dl4j().params().dup());
        assertInstanceOf(MKLDNNConvHelper.class, nets.project().getLayer(0).getHelper());
        Nd4j.getRandom().setSeed(98);
        INDArray x = Nd4j.randn(DataType.FLOAT, N, C, H, W);
        INDArray y = oneHot(N);
        for (int step = 1; step <= 2; step++) {
            Map<String, INDArray> expected = gradients(nets.dl4j(), x, y), actual = gradients(nets.project(), x, y);
            int s = step;
            expected.forEach((param, g) -> assertSameValues(g, actual.get(param), "tanh: gradient of " + param + ", step " + s));
            nets.dl4j().fit(x, y);
            nets.project().fit(x, y);
        }
    }

    private static Map<String, INDArray> gradients(MultiLayerNetwork net, INDArray x, INDArray y) {
        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        Map<String, INDArray> copies = new TreeMap<>();
        net.gradient().gradientForVariable().forEach((param, g) -> copies.put(param, g.dup()));
        return copies;
    }

    /**
     * The project's whole NHWC stack with oneDNN (ChannelsLast, Conv2D, Relu) against DL4J's built-in code (its own
     * layer and ReLU, no helper): the same up to float rounding (oneDNN sums in another order), over two steps.
     */
    @Test
    void projectStackWithOneDnnAgreesWithDl4jsBuiltInCode() {
        MultiLayerNetwork builtIn = withHelpers(false, () -> build(smallNet(false, false)));
        MultiLayerNetwork project = withHelpers(true, () -> build(smallNet(true, true)));
        assertEquals(Map.of("convolution", Map.of("MKLDNNConvHelper", 2), "subsampling", Map.of("MKLDNNSubsamplingHelper", 1)),
                LayerHelpers.attached(project));
        assertEquals(Map.of("convolution", Map.of(LayerHelpers.BUILT_IN, 2), "subsampling", Map.of(LayerHelpers.BUILT_IN, 1)),
                LayerHelpers.attached(builtIn));
        project.setParams(builtIn.params().dup());

        Nd4j.getRandom().setSeed(99);
        INDArray x = Nd4j.randn(DataType.FLOAT, N, C, H, W);
        INDArray y = oneHot(N);
        for (int step = 1; step <= 2; step++) {
            assertClose(builtIn.output(x), project.output(x), "output, step " + step);
            Map<String, INDArray> expected = gradients(builtIn, x, y), actual = gradients(project, x, y);
            int s = step;
            expected.forEach((param, g) -> assertClose(g, actual.get(param), "gradient of " + param + ", step " + s));
            builtIn.fit(x, y);
            project.fit(x, y);
            assertClose(builtIn.params(), project.params(), "parameters after step " + step);
        }
    }

    /**
     * Why {@link Relu} hands back its gradient in z's memory layout: DL4J's ActivationReLU returns a new NCHW-ordered
     * array, DL4J's layer passes oneDNN a permuted (non-contiguous) NHWC view of it, and oneDNN's convolution backprop
     * then computes wrong weight, bias and input gradients (DL4J M2.1; the output is right). When this fails after a
     * DL4J upgrade, DL4J has fixed it.
     */
    @Test
    void dl4jsOwnReluGivesWrongGradientsInNhwcWithOneDnn() {
        MultiLayerNetwork builtIn = withHelpers(false, () -> build(smallNet(false, false)));
        MultiLayerNetwork dl4jWithOneDnn = withHelpers(true, () -> build(smallNet(false, false)));
        dl4jWithOneDnn.setParams(builtIn.params().dup());
        Nd4j.getRandom().setSeed(99);
        INDArray x = Nd4j.randn(DataType.FLOAT, N, C, H, W);
        INDArray y = oneHot(N);
        assertClose(builtIn.output(x), dl4jWithOneDnn.output(x), "output");
        Map<String, INDArray> expected = gradients(builtIn, x, y), actual = gradients(dl4jWithOneDnn, x, y);
        assertTrue(relativeDifference(expected.get("0_W"), actual.get("0_W")) > 0.1, "first convolution's dL/dW");
        assertTrue(relativeDifference(expected.get("1_W"), actual.get("1_W")) > 0.1, "second convolution's dL/dW");
        assertClose(expected.get("3_W"), actual.get("3_W"), "the dense layer's gradient is right");
    }

    /** ||actual - expected|| / ||expected|| at most 1e-5: float rounding (measured up to 4e-7 in the gradients), far below a real fault. */
    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double difference = relativeDifference(expected, actual);
        assertTrue(difference <= 1e-5, what + ": relative difference " + difference);
    }

    private static double relativeDifference(INDArray expected, INDArray actual) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        return actual.castTo(DataType.DOUBLE).sub(e).norm2Number().doubleValue() / Math.max(e.norm2Number().doubleValue(), Double.MIN_NORMAL);
    }

    /** The forward pass's convolution is the only one: backprop reuses its pre-activation (DL4J's layer runs it again). */
    @Test
    void backpropReusesTheForwardPassPreActivation() {
        Twins nets = twins(true);
        CountingConvHelper[] dl4j = {countCalls(nets.dl4j().getLayer(0)), countCalls(nets.dl4j().getLayer(1))};
        CountingConvHelper[] project = {countCalls(nets.project().getLayer(0)), countCalls(nets.project().getLayer(1))};

        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.randn(DataType.FLOAT, N, C, H, W);
        INDArray y = oneHot(N);
        Map<String, INDArray> expected = gradients(nets.dl4j(), x, y), actual = gradients(nets.project(), x, y);
        for (int i = 0; i < 2; i++) {
            assertEquals(2, dl4j[i].forwardCalls, "DL4J's layer " + i + ": forward, then again in backprop");
            assertEquals(1, project[i].forwardCalls, "Conv2DLayer " + i + ": the forward pass only");
        }
        expected.forEach((param, g) -> assertSameValues(g, actual.get(param), "gradient of " + param));

        nets.project().fit(x, y);
        for (int i = 0; i < 2; i++) assertEquals(2, project[i].forwardCalls, "fit: one more convolution, layer " + i);
        nets.project().output(x);
        for (int i = 0; i < 2; i++) assertEquals(3, project[i].forwardCalls, "inference: one convolution, layer " + i);
    }

    /**
     * A backprop whose input is not the one the last training forward pass saw (as bench --breakdown's per-layer
     * timing runs layers) computes z for its own input: the kept one belongs to another.
     */
    @Test
    void keptPreActivationIsNeverUsedForAnotherInput() {
        Twins nets = twins(true);
        nets.dl4j().initGradientsView();
        nets.project().initGradientsView();
        Layer dl4j = nets.dl4j().getLayer(0), conv = nets.project().getLayer(0);
        assertInstanceOf(Conv2DLayer.class, conv);
        assertInstanceOf(MKLDNNConvHelper.class, conv.getHelper());
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        Nd4j.getRandom().setSeed(11);
        INDArray a = Nd4j.randn(DataType.FLOAT, 2, H, W, C), b = Nd4j.randn(DataType.FLOAT, 2, H, W, C);   // NHWC, as after ChannelsLast
        INDArray eps = Nd4j.randn(DataType.FLOAT, 2, H, W, 4);

        dl4j.activate(b, true, noWorkspaces);
        Result expected = Result.of(dl4j.backpropGradient(eps.dup(), noWorkspaces));   // DL4J's layer: z computed again for b

        conv.activate(b, true, noWorkspaces);
        expected.assertSameAs(Result.of(conv.backpropGradient(eps.dup(), noWorkspaces)), "backprop on b after a forward pass on b");

        conv.activate(a, true, noWorkspaces);   // keeps z(a)
        conv.setInput(b, noWorkspaces);         // then a backprop for b, without a forward pass on b
        expected.assertSameAs(Result.of(conv.backpropGradient(eps.dup(), noWorkspaces)), "backprop on b after a forward pass on a");

        INDArray params = conv.params().dup();
        conv.params().assign(Nd4j.randn(DataType.FLOAT, params.shape()));
        conv.activate(b, true, noWorkspaces);   // keeps z(b) for other parameters (other signs: ReLU's gradient reads only those)
        conv.params().assign(params);
        conv.activate(b, false, noWorkspaces);  // an inference pass lets the kept z go
        conv.setInput(b, noWorkspaces);
        expected.assertSameAs(Result.of(conv.backpropGradient(eps.dup(), noWorkspaces)), "backprop after an inference pass");

        conv.activate(b, true, noWorkspaces);   // a backprop lets it go too: a second one computes z again, from b
        conv.backpropGradient(eps.dup(), noWorkspaces);
        expected.assertSameAs(Result.of(conv.backpropGradient(eps.dup(), noWorkspaces)), "second backprop after one forward pass");
    }

    /**
     * Backprop leaves the activation the forward pass returned as it was (bench --breakdown feeds it to the next
     * layer after the backprop): the layer keeps z, and ReLU's backward pass overwrites z, never the activation.
     */
    @Test
    void backpropLeavesTheReturnedActivationAlone() {
        Twins nets = twins(true);
        nets.project().initGradientsView();
        Layer conv = nets.project().getLayer(0);
        assertInstanceOf(Conv2DLayer.class, conv);
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, H, W, C);   // NHWC, as after ChannelsLast
        INDArray activation = conv.activate(x, true, noWorkspaces);
        INDArray before = activation.dup();
        assertTrue(before.maxNumber().doubleValue() > 0, "some units active");
        conv.backpropGradient(Nd4j.randn(DataType.FLOAT, activation.shape()), noWorkspaces);
        assertSameValues(before, activation, "the activation after backprop");
    }

    private record Result(INDArray weightGradient, INDArray biasGradient, INDArray epsilon) {
        static Result of(Pair<Gradient, INDArray> p) {
            return new Result(p.getFirst().getGradientFor("W").dup(), p.getFirst().getGradientFor("b").dup(), p.getSecond().dup());
        }

        void assertSameAs(Result other, String what) {
            assertSameValues(weightGradient, other.weightGradient, what + ": dL/dW");
            assertSameValues(biasGradient, other.biasGradient, what + ": dL/db");
            assertSameValues(epsilon, other.epsilon, what + ": dL/dinput");
        }
    }

    /** The notebook's network (Conv2D, Relu, ChannelsLast in the JSON) saved and loaded: same configuration, output, next step. */
    @Test
    void notebookModelSurvivesSaveAndLoad(@TempDir Path dir) throws IOException {
        MultiLayerNetwork net = NotebookCnn.build(NotebookCnn.Settings.notebook(777));
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 3, 32, 32);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 10);
        for (int i = 0; i < 4; i++) y.putScalar(i, i, 1f);
        net.fit(x, y);   // parameters and Adam state past their initial values

        File file = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);

        MultiLayerConfiguration conf = restored.getLayerWiseConfigurations();
        assertEquals(net.getLayerWiseConfigurations(), conf);
        assertEquals(ChannelsLast.class, conf.getInputPreProcess(0).getClass());
        assertEquals(Conv2D.class, conf.getConf(0).getLayer().getClass());
        assertEquals(Relu.class, ((ConvolutionLayer) conf.getConf(0).getLayer()).getActivationFn().getClass());
        assertInstanceOf(Conv2DLayer.class, restored.getLayer(0));
        assertEquals(Map.of("convolution", Map.of("MKLDNNConvHelper", 6), "subsampling", Map.of("MKLDNNSubsamplingHelper", 3)),
                LayerHelpers.attached(restored));

        assertSameValues(net.params(), restored.params(), "parameters");
        assertSameValues(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray(), "Adam state");
        assertSameValues(net.output(x), restored.output(x), "output");

        Nd4j.getRandom().setSeed(4);   // the same dropout masks for both
        net.fit(x, y);
        Nd4j.getRandom().setSeed(4);
        restored.fit(x, y);
        assertSameValues(net.params(), restored.params(), "parameters after one more step");
    }

    /** A model saved before ChannelsLast, Conv2D and Relu (DL4J's layers, NCHW, no preprocessor) loads as it was and runs. */
    @Test
    void modelSavedWithThePreviousLayoutStillLoads(@TempDir Path dir) throws IOException {
        MultiLayerNetwork old = build(previousNotebookLayout());
        File file = dir.resolve("old-model.zip").toFile();
        ModelSerializer.writeModel(old, file, true);

        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        MultiLayerConfiguration conf = restored.getLayerWiseConfigurations();
        assertEquals(old.getLayerWiseConfigurations(), conf);
        assertNull(conf.getInputPreProcess(0));
        var firstConv = (ConvolutionLayer) conf.getConf(0).getLayer();
        assertEquals(ConvolutionLayer.class, firstConv.getClass());
        assertEquals(ActivationReLU.class, firstConv.getActivationFn().getClass());
        assertEquals(CNN2DFormat.NCHW, firstConv.getCnn2dDataFormat());
        assertEquals(org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class, restored.getLayer(0).getClass());
        assertEquals(814_122, restored.numParams());

        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 32, 32);   // NCHW, as the data pipeline hands it
        INDArray out = restored.output(x);
        assertArrayEquals(new long[]{2, 10}, out.shape());
        assertSameValues(old.output(x), out, "output");
        INDArray y = Nd4j.zeros(DataType.FLOAT, 2, 10);
        y.putScalar(0, 1, 1f);
        y.putScalar(1, 7, 1f);
        restored.fit(x, y);   // a resumed old run keeps training
        assertTrue(Double.isFinite(restored.score()));
    }

    /** NotebookCnn as it was before ChannelsLast, Conv2D and Relu (commit 26bbfc2). */
    private static MultiLayerConfiguration previousNotebookLayout() {
        var layers = new NeuralNetConfiguration.Builder()
                .seed(777)
                .dataType(DataType.FLOAT)
                .updater(new Adam(1e-4, 0.9, 0.999, NotebookCnn.KERAS_ADAM_EPSILON))
                .weightInit(WeightInit.XAVIER_UNIFORM)
                .biasInit(0)
                .convolutionMode(ConvolutionMode.Same)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .list();
        for (int filters : new int[]{32, 64, 128}) {
            layers.layer(new ConvolutionLayer.Builder(3, 3).nOut(filters).activation(Activation.RELU).build())
                    .layer(new ConvolutionLayer.Builder(3, 3).nOut(filters).activation(Activation.RELU).build())
                    .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                    .layer(new DropoutLayer(0.8));
        }
        return layers
                .layer(new DenseLayer.Builder().nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(32, 32, 3))
                .build();
    }

    private static INDArray oneHot(int n) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, CLASSES);
        for (int i = 0; i < n; i++) y.putScalar(i, i % CLASSES, 1f);
        return y;
    }

    /** Builds with DL4J's helper switch on or off (read when a layer is created), then puts the switch back. */
    private static <T> T withHelpers(boolean on, Supplier<T> build) {
        String before = System.getProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY);
        System.setProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, Boolean.toString(!on));
        try {
            return build.get();
        } finally {
            if (before == null) System.clearProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY);
            else System.setProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, before);
        }
    }

    /** oneDNN's convolution helper, counting the forward convolutions it runs. */
    static final class CountingConvHelper extends MKLDNNConvHelper {
        int forwardCalls;

        CountingConvHelper() {
            super(DataType.FLOAT);
        }

        @Override
        public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
                                  AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation,
                                  CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
            forwardCalls++;
            return super.preOutput(input, weights, bias, kernel, strides, pad, mode, fwdAlgo, convolutionMode, dilation, format, workspaceMgr);
        }
    }

    /** Puts a counting oneDNN helper in the layer's place of its oneDNN helper (DL4J's field is protected, no setter). */
    private static CountingConvHelper countCalls(Layer layer) {
        assertInstanceOf(MKLDNNConvHelper.class, layer.getHelper());
        try {
            Field helper = org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class.getDeclaredField("helper");
            helper.setAccessible(true);
            CountingConvHelper counting = new CountingConvHelper();
            helper.set(layer, counting);
            return counting;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("DL4J's ConvolutionLayer.helper field", e);
        }
    }

    @Test
    void missingSizesAreReportedAsDl4jReportsThem() {
        // no nIn and no input type to infer it from: DL4J's own check and message, not a failure deep in parameter init
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(new Conv2D(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(new Relu())))
                .build();
        Exception e = assertThrows(Exception.class, () -> new MultiLayerNetwork(conf).init());
        assertTrue(e.getMessage().contains("ConvolutionLayer (index=0, name=layer0) nIn=0, nOut=4; nIn and nOut must be > 0"),
                e.getMessage());
    }
}
