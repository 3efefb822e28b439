package dev.cifar10.model;

import dev.cifar10.data.Cifar10;
import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.cuda.convolution.CudnnHelpers;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.function.Supplier;

/**
 * One forward and backward pass of the notebook's network with the layer helpers (oneDNN on CPU,
 * cuDNN on CUDA) and without them (DL4J's built-in im2col + GEMM), from the same weights and
 * inputs: the results must agree (check-path times each path's training steps on its own).
 *
 * <p>Tolerance, on ||with - without|| / ||without|| of the outputs and of all gradients: both
 * compute in float32 but sum in different orders (direct, Winograd, im2col + GEMM), which alone
 * differs by about 1e-6. Those rounding differences can also tip a value across a ReLU's zero or
 * change which of two nearly equal values a 2x2 max-pool picks, re-routing single gradient
 * elements: with seed 777 on oneDNN that gives about 3e-4 (1e-3 in the first layer's weights).
 * {@value #TOLERANCE} leaves room for that, and is far below what a real fault gives (a wrong
 * padding, layout or argument order changes the results by tens of percent).
 */
public final class HelperComparison {
    public static final double TOLERANCE = 1e-2;
    static final int BATCH = 32;

    /**
     * @param outputDifference   ||with - without|| / ||without|| of the softmax outputs
     * @param gradientDifference the same for the gradients of all parameters
     */
    public record Result(double outputDifference, double gradientDifference) {
        public boolean agrees() {
            return outputDifference <= TOLERANCE && gradientDifference <= TOLERANCE;
        }
    }

    private HelperComparison() {
    }

    /** Runs the comparison on the backend already loaded, with the network in {@code settings}' form; restores the helper switches afterwards. */
    public static Result run(NotebookCnn.Settings settings) {
        long seed = settings.seed();
        MultiLayerNetwork with = withHelpers(true, () -> NotebookCnn.build(settings));
        MultiLayerNetwork without = withHelpers(false, () -> NotebookCnn.build(settings));
        without.setParams(with.params().dup());

        DataSet batch = batch(seed);
        Pass a = pass(with, batch.getFeatures(), batch.getLabels(), seed), b = pass(without, batch.getFeatures(), batch.getLabels(), seed);
        return new Result(relativeDifference(a.output(), b.output()), relativeDifference(a.gradient(), b.gradient()));
    }

    /** {@value #BATCH} images drawn from {@code seed} (standard normal), labelled with the classes in turn: the batch the comparison runs on. */
    public static DataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray input = Nd4j.randn(DataType.FLOAT, BATCH, NotebookCnn.CHANNELS, NotebookCnn.HEIGHT, NotebookCnn.WIDTH);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, BATCH, Cifar10.CLASSES);
        for (int i = 0; i < BATCH; i++) labels.putScalar(i, i % Cifar10.CLASSES, 1f);
        return new DataSet(input, labels);
    }

    private record Pass(INDArray output, INDArray gradient) {
    }

    /** Forward and backward in training mode (dropout on, its mask from the same seed), then the inference output. */
    private static Pass pass(MultiLayerNetwork net, INDArray input, INDArray labels, long seed) {
        Nd4j.getRandom().setSeed(seed);
        net.setInput(input);
        net.setLabels(labels);
        net.computeGradientAndScore();
        INDArray gradient = net.gradient().gradient().dup();
        INDArray output = net.output(input, false);
        return new Pass(output, gradient);
    }

    /** Builds with the helpers on or off (DL4J reads the switch when a layer is created), then restores the switches. */
    private static MultiLayerNetwork withHelpers(boolean on, Supplier<MultiLayerNetwork> build) {
        String disabled = System.getProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY);
        String cudnn = System.getProperty(CudnnHelpers.ENABLED_PROPERTY);
        System.setProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, Boolean.toString(!on));
        System.setProperty(CudnnHelpers.ENABLED_PROPERTY, Boolean.toString(on));
        try {
            return build.get();
        } finally {
            restore(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, disabled);
            restore(CudnnHelpers.ENABLED_PROPERTY, cudnn);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }

    /** ||a - b|| / ||b|| (Euclidean norms), in double. */
    static double relativeDifference(INDArray a, INDArray b) {
        INDArray reference = b.castTo(DataType.DOUBLE);
        double scale = Math.max(reference.norm2Number().doubleValue(), Double.MIN_NORMAL);
        return a.castTo(DataType.DOUBLE).sub(reference).norm2Number().doubleValue() / scale;
    }
}
