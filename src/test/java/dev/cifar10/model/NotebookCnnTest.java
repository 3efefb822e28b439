package dev.cifar10.model;

import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class NotebookCnnTest {
    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults());
    }

    @Test
    void hasTheNotebooksParameterCountAndLayerShapes() {
        MultiLayerNetwork net = NotebookCnn.build(NotebookCnn.Settings.notebook(777));
        assertEquals(814_122, net.numParams());
        // {W shape, b shape (DL4J M2.1 keeps biases 1-D)} of each parameterised layer, in order, as Keras's model.summary() lists them
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
        assertEquals(14, net.getLayers().length); // 3 x (conv, conv, pool, dropout) + dense + output
        // activation shape after every layer ("same" convs keep 32x32, each pool halves it): NCHW images in,
        // NHWC [n, h, w, c] after ChannelsLast, the layout the layers compute in
        long[][] shapes = {{2, 3, 32, 32},
                {2, 32, 32, 32}, {2, 32, 32, 32}, {2, 16, 16, 32}, {2, 16, 16, 32},
                {2, 16, 16, 64}, {2, 16, 16, 64}, {2, 8, 8, 64}, {2, 8, 8, 64},
                {2, 8, 8, 128}, {2, 8, 8, 128}, {2, 4, 4, 128}, {2, 4, 4, 128},
                {2, 256}, {2, 10}};
        var activations = net.feedForward(Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32), false);
        assertEquals(shapes.length, activations.size());
        for (int i = 0; i < shapes.length; i++) assertArrayEquals(shapes[i], activations.get(i).shape(), "after layer " + (i - 1));
        var out = net.output(Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32));
        assertArrayEquals(new long[]{2, 10}, out.shape());
        assertEquals(2.0, out.sumNumber().doubleValue(), 1e-4); // softmax rows
    }

    @Test
    void computesInNhwcWithTheProjectsLayers() {
        MultiLayerConfiguration conf = NotebookCnn.configuration(NotebookCnn.Settings.notebook(777));
        assertEquals(ChannelsLast.class, conf.getInputPreProcess(0).getClass(), "NCHW images in, NHWC inside");
        // Conv2DLayer keeps its own pre-activation; DL4J's CacheMode would keep one it never lets go (a stale z)
        assertEquals(CacheMode.NONE, conf.getCacheMode());
        int convolutions = 0;
        for (var layerConf : conf.getConfs()) {
            Layer layer = layerConf.getLayer();
            if (layer instanceof ConvolutionLayer conv) {
                assertEquals(Conv2D.class, conv.getClass());
                assertEquals(Relu.class, conv.getActivationFn().getClass());
                assertEquals(CNN2DFormat.NHWC, conv.getCnn2dDataFormat());
                convolutions++;
            }
            if (layer instanceof SubsamplingLayer pool) assertEquals(CNN2DFormat.NHWC, pool.getCnn2dDataFormat());
            if (layer instanceof DenseLayer dense) assertEquals(Relu.class, dense.getActivationFn().getClass());
        }
        assertEquals(6, convolutions);

        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertEquals(814_122, net.numParams());
        long conv2dLayers = Arrays.stream(net.getLayers()).filter(l -> l instanceof Conv2DLayer).count();
        assertEquals(6, conv2dLayers);
    }

    @Test
    void translatesKerasConventions() {
        var conf = NotebookCnn.configuration(NotebookCnn.Settings.notebook(777));
        int dropouts = 0;
        for (var layerConf : conf.getConfs()) {
            Layer layer = layerConf.getLayer();
            if (layer instanceof DropoutLayer d) {
                assertInstanceOf(InvertedDropout.class, d.getIDropout());
                assertEquals(0.8, ((Dropout) d.getIDropout()).getP(), 1e-12); // DL4J keeps p; Keras drops 0.2
                dropouts++;
            }
            if (layer instanceof BaseLayer b) {
                Adam adam = (Adam) b.getIUpdater();
                assertEquals(1e-4, adam.getLearningRate(), 1e-12);
                assertEquals(1e-7, adam.getEpsilon(), 1e-15);
                assertEquals(0.0, b.getBiasInit());
            }
        }
        assertEquals(3, dropouts);
        MultiLayerNetwork net = NotebookCnn.build(NotebookCnn.Settings.notebook(777));
        assertEquals(0.0, net.getLayer(0).getParam("b").sumNumber().doubleValue());
        // Glorot uniform on the dense layer: limit sqrt(6 / (fan_in + fan_out))
        double limit = Math.sqrt(6.0 / (2048 + 256));
        assertTrue(net.getLayer(12).getParam("W").amaxNumber().doubleValue() <= limit);
        assertTrue(net.getLayer(12).getParam("W").amaxNumber().doubleValue() > 0.9 * limit);
    }
}
