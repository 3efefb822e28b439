package org.deeplearning4j.cuda.dropout;

import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import org.deeplearning4j.config.DL4JClassLoading;
import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.dropout.DropoutHelper;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The dropout helper against DL4J's built-in dropout, on the CPU (the same libnd4j ops run there;
 * DL4J only consults the helper on CUDA, so the test calls it directly): same seed, same mask,
 * same outputs and gradients, bit for bit.
 */
class CudnnDropoutHelperTest {
    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults());
    }

    /** What DL4J M2.1's HelperUtils does on CUDA (it wraps the arguments in one more array); a failure there is its ERROR line. */
    @Test
    void dl4jFindsAndBuildsItByName() {
        Object helper = DL4JClassLoading.createNewInstance(Dropout.CUDNN_DROPOUT_HELPER_CLASS_NAME, DropoutHelper.class,
                new Object[]{new Object[]{DataType.FLOAT}});
        assertInstanceOf(CudnnDropoutHelper.class, helper);
        assertTrue(((DropoutHelper) helper).checkSupported());
    }

    @Test
    void matchesDl4jsBuiltInDropoutExactly() {
        double retain = 0.8; // Keras's Dropout(0.2)
        INDArray input = Nd4j.rand(DataType.FLOAT, 32, 64, 8, 8).subi(0.5);
        INDArray gradient = Nd4j.rand(DataType.FLOAT, 32, 64, 8, 8);
        CudnnDropoutHelper helper = new CudnnDropoutHelper(new Object[]{new Object[]{DataType.FLOAT}});
        assertTrue(helper.checkSupported());
        for (int step = 0; step < 2; step++) { // the second step reuses the helper's mask buffer
            Dropout builtIn = new Dropout(retain);
            Nd4j.getRandom().setSeed(777 + step);
            INDArray builtInOut = builtIn.applyDropout(input, input.ulike(), 0, 0, LayerWorkspaceMgr.noWorkspaces()).dup();
            INDArray builtInGrad = builtIn.backprop(gradient, gradient.ulike(), 0, 0);

            Nd4j.getRandom().setSeed(777 + step);
            INDArray helperOut = input.ulike();
            helper.applyDropout(input, helperOut, retain);
            INDArray helperGrad = gradient.ulike();
            helper.backprop(gradient, helperGrad);

            assertEquals(builtInOut, helperOut, "forward, step " + step);
            assertEquals(builtInGrad, helperGrad, "backward, step " + step);
            double dropped = helperOut.eq(0).castTo(DataType.FLOAT).meanNumber().doubleValue();
            assertEquals(1 - retain, dropped, 0.02, "fraction dropped");
        }
    }

    /** The helper, counting the calls DL4J's {@code Dropout} makes to it. */
    static final class Counting extends CudnnDropoutHelper {
        int forward, backward;

        Counting() {
            super(DataType.FLOAT);
        }

        @Override
        public void applyDropout(INDArray inputActivations, INDArray resultArray, double dropoutInputRetainProb) {
            forward++;
            super.applyDropout(inputActivations, resultArray, dropoutInputRetainProb);
        }

        @Override
        public void backprop(INDArray gradAtOutput, INDArray gradAtInput) {
            backward++;
            super.backprop(gradAtOutput, gradAtInput);
        }
    }

    /** Dropout layers and a dense layer with input dropout, all DL4J's {@link Dropout}. */
    private static MultiLayerConfiguration withDropout() {
        return new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT).updater(new Adam(1e-2)).list()
                .layer(new DenseLayer.Builder().nIn(12).nOut(20).activation(Activation.RELU).build())
                .layer(new DropoutLayer(0.7))
                .layer(new DenseLayer.Builder().nOut(16).activation(Activation.RELU).dropOut(0.8).build())
                .layer(new DropoutLayer(0.6))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .build();
    }

    private static MultiLayerNetwork build() {
        String before = System.getProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY);
        System.setProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, "true");
        try {
            MultiLayerNetwork net = new MultiLayerNetwork(withDropout());
            net.init();
            return net;
        } finally {
            if (before == null) System.clearProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY);
            else System.setProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, before);
        }
    }

    /**
     * DL4J's {@code Dropout} inside a network reaches the helper (DL4J looks it up on CUDA only, so here it is put
     * where {@code Dropout} keeps it) and trains exactly as DL4J's built-in dropout: same masks, outputs, gradients
     * and parameters, bit for bit.
     */
    @Test
    void insideANetworkDl4jsDropoutReachesTheHelperAndTrainsAsWithout() throws ReflectiveOperationException {
        MultiLayerNetwork builtIn = build(), helped = build();
        helped.setParams(builtIn.params().dup());
        Field helper = Dropout.class.getDeclaredField("helper"), initialised = Dropout.class.getDeclaredField("initializedHelper");
        helper.setAccessible(true);
        initialised.setAccessible(true);
        List<Counting> helpers = new ArrayList<>();
        for (Layer layer : helped.getLayers()) {
            IDropout dropout = layer.conf().getLayer().getIDropout();
            if (dropout instanceof Dropout d) {
                Counting counting = new Counting();
                helper.set(d, counting);
                initialised.set(d, true);
                helpers.add(counting);
            }
        }
        assertEquals(3, helpers.size(), "two dropout layers and one dense layer's input dropout");

        for (int step = 0; step < 3; step++) {
            Nd4j.getRandom().setSeed(300 + step);
            DataSet data = new DataSet(Nd4j.randn(DataType.FLOAT, 10, 12), Nd4j.eye(3).getRows(new int[]{0, 1, 2, 0, 1, 2, 0, 1, 2, 0}).castTo(DataType.FLOAT));
            for (MultiLayerNetwork net : List.of(builtIn, helped)) {
                Nd4j.getRandom().setSeed(17 + step);
                net.setInput(data.getFeatures());
                net.setLabels(data.getLabels());
                net.computeGradientAndScore();
            }
            assertEquals(builtIn.score(), helped.score(), "score, step " + step);
            assertArrayEquals(builtIn.gradient().gradient().dup().data().asFloat(), helped.gradient().gradient().dup().data().asFloat(),
                    "gradients, step " + step);
            Nd4j.getRandom().setSeed(40 + step);
            builtIn.fit(data);
            Nd4j.getRandom().setSeed(40 + step);
            helped.fit(data);
            assertArrayEquals(builtIn.params().dup().data().asFloat(), helped.params().dup().data().asFloat(), "parameters after step " + step);
        }
        for (Counting h : helpers) {
            assertEquals(6, h.forward, "every training forward pass (3 gradient computations, 3 fits)");
            assertEquals(6, h.backward);
            assertTrue(h.helperMemoryUse().get("dropoutMask") > 0);
        }
    }
}
