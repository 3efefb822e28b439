package dev.cifar10.model;

import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The network behaves as the Keras notebook's: its summary, its initialisation, dropout, and Adam's first step. */
class NotebookCnnTest {
    static final NotebookCnn.Settings STOCK = NotebookCnn.Settings.notebook(777).with(NotebookCnn.Layers.STOCK, CNN2DFormat.NCHW);

    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults());
    }

    /** Keras's model.summary(): parameters per layer, 814,122 in all, and each layer's output shape. */
    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void matchesTheKerasSummary(CNN2DFormat layout) {
        MultiLayerNetwork net = NotebookCnn.build(NotebookCnn.Settings.notebook(777).with(NotebookCnn.Layers.TUNED, layout));
        assertEquals(814_122, net.numParams());
        // {W shape, b shape (DL4J M2.1 keeps biases 1-D)} of each parameterised layer, in order
        long[][][] expected = {
                {{32, 3, 3, 3}, {32}}, {{32, 32, 3, 3}, {32}},
                {{64, 32, 3, 3}, {64}}, {{64, 64, 3, 3}, {64}},
                {{128, 64, 3, 3}, {128}}, {{128, 128, 3, 3}, {128}},
                {{2048, 256}, {256}}, {{256, 10}, {10}}};
        List<long[][]> actual = new ArrayList<>();
        for (var layer : net.getLayers()) {
            if (layer.numParams() > 0) actual.add(new long[][]{layer.getParam("W").shape(), layer.getParam("b").shape()});
        }
        assertEquals(expected.length, actual.size());
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i][0], actual.get(i)[0], "W of parameterised layer " + i);
            assertArrayEquals(expected[i][1], actual.get(i)[1], "b of parameterised layer " + i);
        }
        // "same" convolutions keep 32x32, each pool halves it; [n, h, w, c] in NHWC, [n, c, h, w] in NCHW
        int[][] hwc = {{32, 32, 32}, {32, 32, 32}, {16, 16, 32}, {16, 16, 32}, {16, 16, 64}, {16, 16, 64}, {8, 8, 64}, {8, 8, 64},
                {8, 8, 128}, {8, 8, 128}, {4, 4, 128}, {4, 4, 128}};
        var activations = net.feedForward(Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32), false);
        assertArrayEquals(new long[]{2, 3, 32, 32}, activations.get(0).shape(), "NCHW images in, in either layout");
        for (int i = 0; i < hwc.length; i++) {
            long[] shape = layout == CNN2DFormat.NHWC ? new long[]{2, hwc[i][0], hwc[i][1], hwc[i][2]} : new long[]{2, hwc[i][2], hwc[i][0], hwc[i][1]};
            assertArrayEquals(shape, activations.get(i + 1).shape(), "after layer " + i);
        }
        assertArrayEquals(new long[]{2, 256}, activations.get(13).shape());
        INDArray out = activations.get(14);
        assertArrayEquals(new long[]{2, 10}, out.shape());
        assertEquals(2.0, out.sumNumber().doubleValue(), 1e-4, "softmax rows sum to 1");
    }

    /** Glorot uniform weights within +-sqrt(6 / (fan_in + fan_out)) and reaching it, zero biases, as Keras initialises. */
    @Test
    void initialisesAsKeras() {
        MultiLayerNetwork net = NotebookCnn.build(STOCK);
        for (int i : new int[]{0, 5, 12, 13}) {
            INDArray w = net.getLayer(i).getParam("W");
            long[] s = w.shape();
            double fanIn = s.length == 4 ? s[1] * s[2] * s[3] : s[0], fanOut = s.length == 4 ? s[0] * s[2] * s[3] : s[1];
            double limit = Math.sqrt(6 / (fanIn + fanOut));
            double max = w.amaxNumber().doubleValue();
            assertTrue(max <= limit && max > 0.95 * limit, "layer " + i + ": max |w| " + max + " against the limit " + limit);
            assertEquals(0.0, Math.abs(w.meanNumber().doubleValue()), limit / 20, "layer " + i + ": centred on 0");
            assertEquals(0.0, net.getLayer(i).getParam("b").amaxNumber().doubleValue(), "layer " + i + ": zero biases");
        }
    }

    /** Dropout(0.2): in training about a fifth of a dropout layer's outputs are zero, the rest scaled by 1/0.8; in inference none. */
    @ParameterizedTest
    @EnumSource(NotebookCnn.Layers.class)
    void dropsAFifthInTrainingAndNothingInInference(NotebookCnn.Layers layers) {
        MultiLayerNetwork net = NotebookCnn.build(STOCK.with(layers, CNN2DFormat.NCHW));
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 3, 32, 32).addi(0.1);
        var inference = net.feedForward(x, false);
        var training = net.feedForward(x, true);
        INDArray pooled = inference.get(3), dropped = training.get(4);   // layer 2 (pool) out, layer 3 (dropout) out
        assertEquals(pooled, inference.get(4), "no dropout in inference");
        INDArray positive = pooled.gt(0);
        double kept = dropped.gt(0).castTo(DataType.DOUBLE).sumNumber().doubleValue() / positive.castTo(DataType.DOUBLE).sumNumber().doubleValue();
        assertEquals(0.8, kept, 0.02, "the fraction of positive activations kept");
        INDArray ratio = dropped.div(pooled.add(1e-30)).mul(dropped.gt(0).castTo(DataType.FLOAT));
        assertEquals(1 / 0.8, ratio.maxNumber().doubleValue(), 1e-4, "kept activations are scaled by 1/p");
    }

    /**
     * Adam(lr=1e-4, beta1=0.9, beta2=0.999, epsilon=1e-7) as Keras applies it: the first step is
     * lr * sqrt(1-beta2^t)/(1-beta1^t) * m / (sqrt(v) + epsilon), with m = (1-beta1) g and v = (1-beta2) g^2, g the gradient
     * of the batch's mean loss (dropout off, so the gradient of that step is known). Epsilon matters for the many small
     * gradients: DL4J's default 1e-8 would move them several times further.
     */
    @Test
    void firstStepIsKerasAdams() {
        MultiLayerNetwork net = NotebookCnn.build(new NotebookCnn.Settings(1e-4, 0, 777, DataType.FLOAT,
                org.deeplearning4j.nn.conf.WorkspaceMode.ENABLED, NotebookCnn.Layers.STOCK, CNN2DFormat.NCHW));
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.randn(DataType.FLOAT, 32, 3, 32, 32);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 32, 10);
        for (int i = 0; i < 32; i++) y.putScalar(i, i % 10, 1);
        INDArray before = net.params().dup();
        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        // DL4J's gradient sums over the batch and its updater divides by the batch size: Keras's gradient is the mean
        double[] g = net.gradient().gradient().castTo(DataType.DOUBLE).div(32).toDoubleVector();
        net.fit(x, y);
        double[] step = net.params().sub(before).castTo(DataType.DOUBLE).toDoubleVector();
        double lr = 1e-4, b1 = 0.9, b2 = 0.999, eps = 1e-7;
        double worst = 0;
        for (int i = 0; i < g.length; i++) {
            double m = (1 - b1) * g[i], v = (1 - b2) * g[i] * g[i];
            double expected = -lr * Math.sqrt(1 - b2) / (1 - b1) * m / (Math.sqrt(v) + eps);
            worst = Math.max(worst, Math.abs(step[i] - expected) / lr);
        }
        assertTrue(worst < 1e-3, "largest difference from Keras's Adam step, in units of lr: " + worst);
    }
}
