package dev.cifar10.cudnn;

import dev.cifar10.model.tuned.Conv2DLayer;
import dev.cifar10.model.NotebookCnn;
import org.deeplearning4j.cuda.convolution.CudnnConvolutionHelper;
import org.deeplearning4j.cuda.convolution.subsampling.CudnnSubsamplingHelper;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The helper classes the cuda build attaches (DL4J looks them up by name on CUDA only, so here they are put into the
 * layers the way DL4J's layers hold them), running inside whole networks on the CPU backend, against the same
 * networks on DL4J's built-in layers: same weights, same data, the same dropout masks (same seeds), over training
 * steps of the training batch, a partial last batch, and an evaluation batch. Path cudnn runs on {@link FakeCudnn},
 * path libnd4j on libnd4j's ops.
 */
class CudnnNetworkTest extends OnFakeCudnn {
    private static final int CLASSES = 10;
    /** Training batch, training batch again, the last partial batch. */
    private static final int[] BATCHES = {8, 8, 5};
    private static final int EVALUATION_BATCH = 12;

    /** Puts {@code helper} where DL4J's layer keeps the helper it looked up (a protected field). */
    static void attach(Layer layer, Class<?> declaring, LayerHelper helper) {
        try {
            Field field = declaring.getDeclaredField("helper");
            field.setAccessible(true);
            field.set(layer, helper);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("DL4J's " + declaring.getSimpleName() + ".helper field", e);
        }
    }

    /** Attaches new helpers of {@code path} (on {@code runtime} for cudnn) to every convolution and pooling layer. */
    static void attachHelpers(MultiLayerNetwork net, ConvolutionPath path, CudnnRuntime runtime, DataType type) {
        for (Layer layer : net.getLayers()) {
            if (layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) {
                attach(layer, org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class, path == ConvolutionPath.CUDNN
                        ? new CudnnConvolutionHelper(type, runtime) : new CudnnConvolutionHelper(type, path));
            } else if (layer instanceof org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer) {
                attach(layer, org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer.class, path == ConvolutionPath.CUDNN
                        ? new CudnnSubsamplingHelper(type, runtime) : new CudnnSubsamplingHelper(type, path));
            }
        }
    }

    /**
     * The notebook's layers (six 3x3 "same" convolutions 32/32/64/64/128/128 with ReLU, three 2x2/2 max pools, DL4J's
     * dropout, dense 256, softmax), all DL4J's own, in {@code layout}, on 8x8 images to keep the CPU time small;
     * plain SGD, so gradient differences are not magnified by Adam's normalisation.
     */
    static MultiLayerConfiguration notebookLike(CNN2DFormat layout, DataType type) {
        var list = new NeuralNetConfiguration.Builder().seed(12345).dataType(type).updater(new Sgd(0.05))
                .weightInit(WeightInit.XAVIER_UNIFORM).biasInit(0.01).convolutionMode(ConvolutionMode.Same)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED).list();
        for (int filters : new int[]{32, 64, 128}) {
            for (int i = 0; i < 2; i++) {
                list.layer(new ConvolutionLayer.Builder(3, 3).nOut(filters).activation(Activation.RELU).dataFormat(layout).build());
            }
            list.layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).dataFormat(layout).build())
                    .layer(new DropoutLayer(0.8));
        }
        return list.layer(new DenseLayer.Builder().nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 3, layout))
                .build();
    }

    static MultiLayerNetwork build(Supplier<MultiLayerConfiguration> conf) {
        return Dl4jReference.withoutHelpers(() -> {
            MultiLayerNetwork net = new MultiLayerNetwork(conf.get());
            net.init();
            return net;
        });
    }

    static DataSet batch(long[] imageShape, int n, DataType type, long seed) {
        Nd4j.getRandom().setSeed(seed);
        long[] shape = imageShape.clone();
        shape[0] = n;
        INDArray features = Nd4j.randn(type, shape);
        INDArray labels = Nd4j.zeros(type, n, CLASSES);
        for (int i = 0; i < n; i++) labels.putScalar(i, (i * 7 + seed) % CLASSES, 1.0);
        return new DataSet(features, labels);
    }

    /** ||a - b|| / ||b||, in double. */
    static double relative(INDArray a, INDArray b) {
        INDArray reference = b.castTo(DataType.DOUBLE);
        return a.castTo(DataType.DOUBLE).sub(reference).norm2Number().doubleValue() / Math.max(reference.norm2Number().doubleValue(), 1e-300);
    }

    /** The score and every parameter's gradient, with dropout drawn from {@code seed}. */
    record Step(double score, INDArray gradient) {
    }

    static Step gradients(MultiLayerNetwork net, DataSet data, long seed) {
        Nd4j.getRandom().setSeed(seed);
        net.setInput(data.getFeatures());
        net.setLabels(data.getLabels());
        net.computeGradientAndScore();
        return new Step(net.score(), net.gradient().gradient().dup());
    }

    /**
     * Trains both networks step by step and compares each step's score and gradients, then an evaluation batch's
     * output; returns the largest relative difference seen.
     */
    static double trainSideBySide(MultiLayerNetwork tested, MultiLayerNetwork reference, long[] imageShape, DataType type, double tolerance) {
        tested.setParams(reference.params().dup());
        double worst = 0;
        for (int step = 0; step < BATCHES.length; step++) {
            DataSet data = batch(imageShape, BATCHES[step], type, 100 + step);
            Step expected = gradients(reference, data, 7 + step), actual = gradients(tested, data, 7 + step);
            double gradient = relative(actual.gradient(), expected.gradient());
            assertEquals(expected.score(), actual.score(), tolerance * Math.abs(expected.score()), "score, step " + step);
            assertTrue(gradient <= tolerance, "step " + step + " (batch " + BATCHES[step] + "): gradients differ by " + gradient);
            worst = Math.max(worst, gradient);
            Nd4j.getRandom().setSeed(50 + step);
            reference.fit(data);
            Nd4j.getRandom().setSeed(50 + step);
            tested.fit(data);
        }
        assertTrue(relative(tested.params(), reference.params()) <= tolerance, "parameters after training");
        INDArray evaluation = batch(imageShape, EVALUATION_BATCH, type, 999).getFeatures();
        double output = relative(tested.output(evaluation, false), reference.output(evaluation, false));
        assertTrue(output <= tolerance, "evaluation output differs by " + output);
        return Math.max(worst, output);
    }

    /**
     * DL4J's own layers in NCHW and NHWC, in double: two correct implementations then differ by rounding alone
     * (about 1e-15; a wrong stride, padding or argument gives O(1)), and no ReLU or max-pool tie can flip.
     */
    @ParameterizedTest(name = "{0}, path {1}")
    @CsvSource({"NCHW, CUDNN", "NHWC, CUDNN", "NCHW, LIBND4J", "NHWC, LIBND4J"})
    void dl4jsLayersWithTheCudaHelpersTrainAsWithout(CNN2DFormat layout, ConvolutionPath path) {
        DataType type = DataType.DOUBLE;
        MultiLayerNetwork reference = build(() -> notebookLike(layout, type));
        MultiLayerNetwork tested = build(() -> notebookLike(layout, type));
        attachHelpers(tested, path, runtime, type);
        // nothing reads the first layer's input gradient; DL4J's own layer does not know, so it is told here
        ((CudnnConvolutionHelper) tested.getLayer(0).getHelper()).setInputGradientNeeded(false);
        long[] images = layout == CNN2DFormat.NCHW ? new long[]{1, 3, 8, 8} : new long[]{1, 8, 8, 3};

        trainSideBySide(tested, reference, images, type, 1e-9);

        if (path == ConvolutionPath.CUDNN) {
            assertCudnnDidTheWork(fake, runtime);
        } else {
            assertTrue(fake.calls.isEmpty());
        }
    }

    /** What the cuDNN path did in those steps: every convolution and pooling backward pass, searched once per shape, workspace grown twice. */
    static void assertCudnnDidTheWork(FakeCudnn fake, CudnnRuntime runtime) {
        int filter = fake.count("cudnnConvolutionBackwardFilter"), data = fake.count("cudnnConvolutionBackwardData");
        assertEquals(6 * 2 * BATCHES.length, filter, "six layers, two backward passes a step (gradients, then fit)");
        assertEquals(5 * 2 * BATCHES.length, data, "the first layer's input gradient is never computed");
        assertEquals(3 * 2 * BATCHES.length, fake.count("cudnnPoolingBackward"));
        // per shape: forward for the training batch, the partial batch and the evaluation batch; backward for the first two
        assertEquals(6 * 3 + 6 * 2 + 5 * 2, runtime.algorithms().searches(), "one search per pass, layer shape and batch size");
        assertEquals(0, runtime.algorithms().heuristicQueries());
        assertEquals(List.of(8 * 1024L, EVALUATION_BATCH * 1024L), fake.allocations,
                "the workspace grows to the first batch's need, then to the evaluation batch's: never per call");
        assertEquals(1, fake.freed);
    }

    /**
     * The project's own network (NotebookCnn: Conv2D layers, NHWC, ChannelsLast, Adam, float) with the cuda helper
     * classes against itself without: its first convolution (layer 0) tells the helper that its input gradient is
     * not needed, and the null that leaves passes through DL4J's backprop and ChannelsLast. In float the two differ
     * by rounding (about 1e-6 here, libnd4j's convolution against DL4J's im2col); 1e-4 leaves room for a ReLU or
     * max-pool tie that rounding flips, and a real fault is tens of percent.
     */
    @ParameterizedTest(name = "path {0}, {1}")
    @CsvSource({"CUDNN, NHWC", "LIBND4J, NHWC", "CUDNN, NCHW", "LIBND4J, NCHW"})
    void theProjectsNetworkSkipsItsFirstInputGradient(ConvolutionPath path, CNN2DFormat layout) {
        DataType type = DataType.FLOAT;
        NotebookCnn.Settings settings = new NotebookCnn.Settings(1e-3, 0.2, 123, type, WorkspaceMode.ENABLED, NotebookCnn.Layers.TUNED, layout);
        MultiLayerNetwork reference = Dl4jReference.withoutHelpers(() -> NotebookCnn.build(settings));
        MultiLayerNetwork tested = Dl4jReference.withoutHelpers(() -> NotebookCnn.build(settings));
        attachHelpers(tested, path, runtime, type);
        assertInstanceOf(Conv2DLayer.class, tested.getLayer(0));

        double worst = trainSideBySide(tested, reference, new long[]{1, 3, 32, 32}, type, 1e-4);

        if (path == ConvolutionPath.CUDNN) {
            assertCudnnDidTheWork(fake, runtime);
            assertEquals(0, ((CudnnConvolution) ((CudnnConvolutionHelper) tested.getLayer(1).getHelper()).implementation()).layoutCopies(),
                    "the project's layers hand cuDNN packed arrays in their layout");
        }
        assertTrue(worst > 0, "the paths really differ (by rounding): the comparison compares something");
        assertEquals(path == ConvolutionPath.CUDNN ? Map.of("cudnnWorkspaceNeeded", EVALUATION_BATCH * 1024L) : Map.of(),
                tested.getLayer(0).getHelper().helperMemoryUse(), "the layer's share of the workspace: its largest need");
    }

    /**
     * A first layer with input dropout needs its input gradient: DL4J's dropout backprop multiplies it by the mask.
     * (Against the libnd4j path: DL4J M2.1's built-in NHWC convolution applies the dropout's backprop to its NCHW
     * gradient, with the NHWC mask, and fails.)
     */
    @org.junit.jupiter.api.Test
    void aFirstLayerWithItsOwnDropoutKeepsItsInputGradient() {
        DataType type = DataType.FLOAT;
        NotebookCnn.Settings settings = new NotebookCnn.Settings(1e-3, 0.2, 123, type, WorkspaceMode.ENABLED, NotebookCnn.Layers.TUNED,
                CNN2DFormat.NHWC);
        Supplier<MultiLayerNetwork> withInputDropout = () -> {
            MultiLayerConfiguration conf = NotebookCnn.configuration(settings);
            conf.getConf(0).getLayer().setIDropout(new org.deeplearning4j.nn.conf.dropout.Dropout(0.9));
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            return net;
        };
        MultiLayerNetwork reference = Dl4jReference.withoutHelpers(withInputDropout), tested = Dl4jReference.withoutHelpers(withInputDropout);
        attachHelpers(reference, ConvolutionPath.LIBND4J, null, type);
        attachHelpers(tested, ConvolutionPath.CUDNN, runtime, type);
        tested.setParams(reference.params().dup());
        DataSet data = batch(new long[]{1, 3, 32, 32}, 4, type, 5);
        Step expected = gradients(reference, data, 11), actual = gradients(tested, data, 11);
        assertTrue(relative(actual.gradient(), expected.gradient()) <= 1e-4, "gradients differ by " + relative(actual.gradient(), expected.gradient()));
        assertEquals(6, fake.count("cudnnConvolutionBackwardData"), "every layer's, the first one's too");
    }
}
